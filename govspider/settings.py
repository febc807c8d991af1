"""Scrapy settings of the govspider project (``scrapy.cfg`` points here).

Platform plugins add their defaults (base URLs...) through the ``govspider_settings`` hook,
applied by :class:`govspider.addon.GovspiderAddon` with the ``addon`` priority.
"""

import os

BOT_NAME = "govspider"
SPIDER_MODULES: list[str] = []
SPIDER_LOADER_CLASS = "govspider.spiderloader.PluginSpiderLoader"

ADDONS = {"govspider.addon.GovspiderAddon": 0}

ITEM_PIPELINES = {
    "govspider.pipelines.validate.ValidatePipeline": 100,
    # the corpus's normal form (docs/data-model.md): one rule per field on every platform
    "govspider.pipelines.normalize.NormalizePipeline": 200,
    "govspider.pipelines.store.StorePipeline": 300,
    "govspider.pipelines.detect.DetectPipeline": 500,
}
# an account whose every request was answered is marked complete (govspider.spidermiddlewares):
# closest to the engine, so it sees what the other spider middlewares let through
SPIDER_MIDDLEWARES = {
    "govspider.spidermiddlewares.AccountProgressMiddleware": 40,
}
DOWNLOADER_MIDDLEWARES = {
    "govspider.downloadermiddlewares.BackoffMiddleware": 50,
    # Scrapy's retry of HTTP errors, with Retry-After and backoff with jitter
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "govspider.downloadermiddlewares.RetryAfterMiddleware": 550,
    # rotation over GOVSPIDER_PROXIES (off without it), before Scrapy's HttpProxyMiddleware (750)
    "govspider.downloadermiddlewares.ProxyPoolMiddleware": 740,
    # after Scrapy's CookiesMiddleware (700), which rewrites the Cookie header from its jar
    "govspider.downloadermiddlewares.CookiesFromEnvMiddleware": 750,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    "govspider.extensions.GcTuning": 10,
}
# crawl health (govspider/monitors.py): verdict in the stats and in crawl_runs
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ("govspider.monitors.CrawlHealth",)
SPIDERMON_MAX_ERRORS = 0
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished"]

ROBOTSTXT_OBEY = False  # public APIs of platforms; crawl politely through the rate budgets below
COOKIES_ENABLED = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429, 418, 403]
USER_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# --- govspider -----------------------------------------------------------------------------
#: Where the embedded server keeps its data when MONGODB_URI is unset (environment variable
#: GOVSPIDER_DATA_DIR, else ./data; -s GOVSPIDER_DATA_DIR=... wins over both).
GOVSPIDER_DATA_DIR = os.environ.get("GOVSPIDER_DATA_DIR", "./data")
#: Registry of accounts and apps to crawl (YAML or CSV); ``-a accounts=FILE`` overrides it.
GOVSPIDER_REGISTRY = None
GOVSPIDER_STORE_ENABLED = True
#: What the database does with a document that breaks its collection's validator (the
#: ``$jsonSchema`` of docs/data-dictionary.md): warn (stored, logged by the server), error
#: (refused; the crawl counts and logs it) or off. Also read from the environment.
GOVSPIDER_SCHEMA_VALIDATION = os.environ.get("GOVSPIDER_SCHEMA_VALIDATION", "warn")
GOVSPIDER_STORE_BATCH_SIZE = 500
GOVSPIDER_DETECT_ENABLED = True
#: Detectors to run while crawling (item-scope ones); empty = all installed.
GOVSPIDER_DETECT_ONLY: list[str] = []
#: Per-detector overrides: {"<detector>": {"lexicon": "path.yaml", ...}}.
GOVSPIDER_DETECTORS: dict = {}
#: Requests per minute per host, honoured across the whole crawl: {"m.example.cn": 30}.
#: Plugins contribute defaults for their hosts; a value set here or with -s wins per host.
# GOVSPIDER_RATE_LIMITS = {}
#: Backoff after a transient platform error (login wall, rate limit, captcha, block).
GOVSPIDER_BACKOFF_BASE = 2.0
GOVSPIDER_BACKOFF_MAX = 300.0
#: Each backoff is stretched by up to this share (0.25 = +25%), so retries do not arrive in step.
GOVSPIDER_BACKOFF_JITTER = 0.25
#: Proxies to rotate over (list, or comma-separated text; also the environment variable
#: GOVSPIDER_PROXIES, where credentials belong: http://user:pass@host:port). Empty: no proxy.
GOVSPIDER_PROXIES: list[str] = []
#: A proxy the platform pushes back on rests this long (doubling per ban in a row, at most 1 h).
GOVSPIDER_PROXY_BAN_SECONDS = 300.0
#: A platform's Retry-After header (seconds or an HTTP date) is honoured, up to this many seconds.
GOVSPIDER_RETRY_AFTER_MAX = 3600.0
GOVSPIDER_ERROR_RETRY_TIMES = 4
#: An account whose requests are given up this many times on a captcha, login wall or block is
#: ended for the crawl (one error line; its other requests dropped) instead of looping.
GOVSPIDER_ACCOUNT_MAX_WALLS = 2
#: Freeze the spiders' "now" (ISO 8601): relative times resolve against it. Unset: the clock.
GOVSPIDER_NOW = None
#: Distributed crawling: a Redis URL (redis://host:6379/0) shared by every worker switches the
#: scheduler and dupefilter to scrapy-redis. Also read from the environment.
GOVSPIDER_REDIS_URL = None
#: Keep the shared queue and seen-requests set after a crawl (resume / incremental workers).
GOVSPIDER_REDIS_PERSIST = False
#: Webhook receivers of alerts (new veto findings after `govspider scan`, unhealthy crawls after
#: `govspider crawl`): a list of {"url_env" | "url", "format": json|wecom|dingtalk|feishu,
#: "secret_env", "events"}, or the same as JSON in the environment variable GOVSPIDER_ALERTS.
#: Give webhook URLs and secrets through the environment: they are credentials.
GOVSPIDER_ALERTS = os.environ.get("GOVSPIDER_ALERTS", "")
#: Keep the bodies of responses that gave items in ``raw_responses`` (zlib, once per body);
#: items and their findings point to them, so evidence survives deletion on the platform.
GOVSPIDER_ARCHIVE_RESPONSES = False

# scrapy-playwright, used only by the spiders that need a browser (a plugin's spiders ask for it)
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage"],
}
PLAYWRIGHT_MAX_CONTEXTS = 2
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
