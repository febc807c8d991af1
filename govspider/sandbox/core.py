"""The sandbox server core: the ``Route`` contract, response helpers, the trouble engine, the app.

Platform plugins contribute routes through the ``govspider_sandbox_routes(world)`` hook (see
``govspider/hookspecs.py``). Each :class:`Route` says *how* a trouble looks on its platform
(a login wall, a rate limit...); the :class:`TroubleEngine` decides *when*: every trouble has
an on/off switch and a rate, the decision is drawn deterministically per URL and only on the
first attempt of a URL (so a retry succeeds), and a burst of requests under one prefix trips
the rate limit regardless of the rate.

The core names no platform: routes come from the plugins of the world's registry, and the
base-URL settings that point spiders at the sandbox from the plugins' sandbox worlds
(``base_urls``) and the routes themselves (:func:`settings_for`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import yaml
from aiohttp import web

from govspider import plugins
from govspider.sandbox.world import sandbox_world_classes

if TYPE_CHECKING:
    from govspider.sandbox.world import World

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TroubleFactory = Callable[[web.Request], web.StreamResponse]

#: every trouble name the engine knows
TROUBLES = ("login_wall", "rate_limit", "captcha", "empty_body", "blocked", "truncated", "slow")
#: query parameters that change between attempts of the "same" request (signatures, tokens)
VOLATILE_PARAMS = frozenset({"a_bogus", "X-Bogus", "msToken", "_", "_t", "ts", "timestamp", "verifyFp",
                             "fp", "webid", "_signature", "__a", "callback", "sign", "_rnd"})


@dataclass
class Route:
    """One sandbox endpoint of a platform plugin.

    ``path`` is an aiohttp pattern including the prefix (``/<prefix>/api/...``).
    ``troubles`` maps a trouble name (``login_wall``, ``rate_limit``, ``captcha``,
    ``empty_body``, ``blocked``) to a factory building the platform's own shape of it;
    ``generic_troubles`` lists the generic ones the core may apply (``truncated``: the body is
    cut; ``slow``: the answer is delayed).
    """

    method: str
    path: str
    handler: Handler
    base_setting: str
    prefix: str
    troubles: dict[str, TroubleFactory] = field(default_factory=dict)
    generic_troubles: tuple[str, ...] = ("truncated", "slow")
    name: str = ""


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None,
                  content_type: str = "application/json") -> web.Response:
    """A compact UTF-8 JSON response (``ensure_ascii=False``, as the platforms send)."""
    return web.Response(body=_dumps(data), status=status, headers=headers,
                        content_type=content_type, charset="utf-8")


def html_response(html: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A UTF-8 HTML response."""
    return web.Response(text=html, status=status, headers=headers, content_type="text/html", charset="utf-8")


def text_response(body: str, status: int = 200, content_type: str = "text/plain",
                  headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=body, status=status, headers=headers, content_type=content_type, charset="utf-8")


def empty_response(status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """HTTP 200 with ``content-length: 0`` (how some platforms answer a request they reject)."""
    return web.Response(body=b"", status=status, headers=headers)


def query(request: web.Request, name: str, default: str = "") -> str:
    """A query parameter (first value), or ``default``."""
    return request.query.get(name, default)


def int_param(request: web.Request, name: str, default: int = 0) -> int:
    try:
        return int(request.query.get(name, default))
    except (TypeError, ValueError):
        return default


# --------------------------------------------------------------------------- troubles
@dataclass
class TroubleSpec:
    """One switchable trouble: on/off, rate per first attempt, and its parameters."""

    enabled: bool = False
    rate: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)


DEFAULT_TROUBLES: dict[str, dict[str, Any]] = {
    "login_wall": {"rate": 0.03},
    "rate_limit": {"rate": 0.03, "burst": 200, "window": 1.0, "cooldown": 0.5},
    "captcha": {"rate": 0.02},
    "empty_body": {"rate": 0.05},
    "blocked": {"rate": 0.01},
    "truncated": {"rate": 0.02},
    "slow": {"rate": 0.02, "delay": 1.5},
}


def load_troubles(value: None | str | dict[str, Any] | Path) -> dict[str, TroubleSpec]:
    """Trouble specs from ``None``/``"off"`` (all off), ``"default"``, a dict or a YAML file.

    A dict/YAML maps a trouble name to ``false`` (off), a number (the rate) or a mapping with
    ``rate`` and parameters (``burst``, ``window``, ``cooldown`` for ``rate_limit``;
    ``delay`` for ``slow``; ``enabled: false`` switches it off). ``default: true`` at the top
    starts from the default rates.
    """
    specs = {name: TroubleSpec(params=dict(DEFAULT_TROUBLES[name])) for name in TROUBLES}
    for s in specs.values():
        s.rate = float(s.params.pop("rate", 0.0))
    if value is None or value == "off":
        return specs
    if value == "default":
        for s in specs.values():
            s.enabled = True
        return specs
    if isinstance(value, (str, Path)):
        try:
            value = yaml.safe_load(Path(value).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"troubles file {value}: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("troubles: expected off, default, a mapping or a YAML file")
    if value.get("default"):
        for s in specs.values():
            s.enabled = True
    for name, conf in value.items():
        if name == "default":
            continue
        if name not in specs:
            raise ValueError(f"troubles: unknown trouble {name!r} (known: {', '.join(TROUBLES)})")
        spec = specs[name]
        if conf is False or conf is None:
            spec.enabled = False
        elif conf is True:
            spec.enabled = True
        elif isinstance(conf, (int, float)):
            spec.enabled, spec.rate = True, float(conf)
        elif isinstance(conf, dict):
            conf = dict(conf)
            spec.enabled = bool(conf.pop("enabled", True))
            spec.rate = float(conf.pop("rate", spec.rate))
            spec.params.update(conf)
        else:
            raise ValueError(f"troubles: {name}: expected false, a rate or a mapping")
        if not 0.0 <= spec.rate <= 1.0:
            raise ValueError(f"troubles: {name}: rate {spec.rate} is not within 0..1")
    return specs


class TroubleEngine:
    """Decides which trouble (if any) a request gets. See the module docstring."""

    def __init__(self, specs: dict[str, TroubleSpec], seed: int = 0, memory: int = 200_000):
        self.specs = specs
        self.seed = seed
        self.memory = memory
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._cooldown_until: dict[str, float] = {}
        self.counts: dict[str, int] = defaultdict(int)
        #: requests served, by route prefix: what a counting proxy would see
        self.requests: dict[str, int] = defaultdict(int)

    @property
    def active(self) -> bool:
        return any(s.enabled for s in self.specs.values())

    @staticmethod
    def url_key(request: web.Request) -> str:
        params = sorted((k, v) for k, v in parse_qsl(request.query_string, keep_blank_values=True)
                        if k not in VOLATILE_PARAMS)
        return f"{request.method} {request.path}?{urlencode(params)}"

    def _first_attempt(self, key: str) -> bool:
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self.memory:
            self._seen.popitem(last=False)
        return True

    def _roll(self, name: str, key: str) -> float:
        digest = hashlib.blake2b(f"{self.seed}|{name}|{key}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def _burst(self, prefix: str) -> bool:
        spec = self.specs["rate_limit"]
        if not spec.enabled or not spec.params.get("burst"):
            return False
        now = time.monotonic()
        if self._cooldown_until.get(prefix, 0.0) > now:
            return True
        window = float(spec.params.get("window", 1.0))
        hits = self._hits[prefix]
        hits.append(now)
        while hits and hits[0] < now - window:
            hits.popleft()
        if len(hits) > int(spec.params["burst"]):
            self._cooldown_until[prefix] = now + float(spec.params.get("cooldown", 2.0))
            hits.clear()
            return True
        return False

    def choose(self, route: Route, request: web.Request) -> str | None:
        """The trouble for this request, or None."""
        if not self.active:
            return None
        available = set(route.troubles) | set(route.generic_troubles)
        if "rate_limit" in route.troubles and self._burst(route.prefix):
            return "rate_limit"
        key = self.url_key(request)
        if not self._first_attempt(key):
            return None
        for name in TROUBLES:
            spec = self.specs[name]
            if name in available and spec.enabled and spec.rate > 0 and self._roll(name, key) < spec.rate:
                return name
        return None


def _truncate(response: web.StreamResponse, fraction: float) -> web.StreamResponse:
    if not isinstance(response, web.Response) or response.body is None or response.status != 200:
        return response
    body = response.body if isinstance(response.body, bytes) else bytes(response.body)  # type: ignore[arg-type]
    if len(body) < 2:
        return response
    cut = body[: max(1, int(len(body) * fraction))]
    truncated = web.Response(body=cut, status=200, headers={
        k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")})
    truncated.content_type = response.content_type
    if response.charset:
        truncated.charset = response.charset
    return truncated


def wrap(route: Route, engine: TroubleEngine) -> Handler:
    """The route's handler with the trouble engine in front of it."""

    async def handler(request: web.Request) -> web.StreamResponse:
        engine.requests[route.prefix] += 1
        trouble = engine.choose(route, request)
        if trouble is None:
            return await route.handler(request)
        engine.counts[trouble] += 1
        engine.counts[f"{route.prefix}:{trouble}"] += 1
        if trouble == "slow":
            await asyncio.sleep(float(engine.specs["slow"].params.get("delay", 1.5)))
            return await route.handler(request)
        if trouble == "truncated":
            rnd = random.Random(engine.url_key(request))
            return _truncate(await route.handler(request), rnd.uniform(0.3, 0.8))
        return route.troubles[trouble](request)

    handler.__name__ = route.name or route.path
    return handler


# --------------------------------------------------------------------------- the app
def collect_routes(world: World) -> list[Route]:
    """Routes of every plugin of the world's registry (a broken plugin is logged and skipped)."""
    routes: list[Route] = []
    hook = world.plugins.pm.hook.govspider_sandbox_routes
    for impl in hook.get_hookimpls():
        try:
            routes.extend(impl.function(world=world) or [])
        except Exception as exc:  # one broken plugin must not take the sandbox down
            logger.error("sandbox routes of plugin %r failed: %s: %s", impl.plugin_name,
                         exc.__class__.__name__, exc)
    return routes


def settings_for(base_url: str, routes: list[Route] | None = None,
                 registry: plugins.InstalledPlugins | None = None) -> dict[str, str]:
    """The base-URL settings pointing every platform at a sandbox served at ``base_url``.

    The settings and their path prefixes are those the sandbox worlds of the plugins declare
    (``base_urls``, in layout order; ``registry`` defaults to the installed plugins), then
    those of ``routes`` no world declares.
    """
    base_url = base_url.rstrip("/")
    prefixes: dict[str, str] = {}
    for cls in sandbox_world_classes(registry or plugins.installed_plugins()):
        for name, prefix in cls.base_urls.items():
            prefixes.setdefault(name, prefix)
    for route in routes or ():
        prefixes.setdefault(route.base_setting, route.prefix)
    return {name: base_url + prefix for name, prefix in prefixes.items()}


APP_WORLD: web.AppKey[Any] = web.AppKey("world", object)
APP_ENGINE: web.AppKey[TroubleEngine] = web.AppKey("engine", TroubleEngine)


def build_app(world: World, troubles: None | str | dict[str, Any] | Path = None,
              routes: list[Route] | None = None) -> web.Application:
    """The aiohttp application serving ``world`` with all plugin routes and the core routes."""
    engine = TroubleEngine(load_troubles(troubles), seed=world.seed)
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[APP_WORLD] = world
    app[APP_ENGINE] = engine
    routes = collect_routes(world) if routes is None else routes
    seen: set[tuple[str, str]] = set()
    for route in routes:
        key = (route.method.upper(), route.path)
        if key in seen:
            logger.warning("sandbox route %s %s declared twice; the first one wins", *key)
            continue
        seen.add(key)
        app.router.add_route(route.method.upper(), route.path, wrap(route, engine))
    app.router.add_get("/", _index)
    app.router.add_get("/registry.yaml", _registry)
    app.router.add_get("/ground_truth.json", _ground_truth)
    app.router.add_get("/icons/{store}/{app_id}.png", _icon)
    app.router.add_get("/_sandbox/stats", _stats)
    app[_ROUTES] = [(r.method.upper(), r.path, r.base_setting) for r in routes]
    app[APP_SETTINGS] = lambda base: settings_for(base, routes, world.plugins)
    _check_prefixes(world, routes)
    return app


def _check_prefixes(world: World, routes: list[Route]) -> None:
    """Warn about a route whose setting a sandbox world names with another prefix."""
    declared = {name: prefix for w in world.sandbox_worlds for name, prefix in w.base_urls.items()}
    for route in routes:
        prefix = declared.get(route.base_setting)
        if prefix is not None and prefix != route.prefix:
            logger.warning("sandbox route %s answers under %s, but %s is declared as %s",
                           route.path, route.prefix, route.base_setting, prefix)


_ROUTES: web.AppKey[list[tuple[str, str, str]]] = web.AppKey("routes", list)
#: ``(base_url) -> settings`` of the app's routes (:func:`settings_for`)
APP_SETTINGS: web.AppKey[Callable[[str], dict[str, str]]] = web.AppKey("settings", object)


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def _index(request: web.Request) -> web.Response:
    world = request.app[APP_WORLD]
    return json_response({
        "sandbox": "govspider", "world": repr(world), "settings": request.app[APP_SETTINGS](_base(request)),
        "routes": [{"method": m, "path": p, "setting": s} for m, p, s in request.app[_ROUTES]],
    })


async def _registry(request: web.Request) -> web.Response:
    world = request.app[APP_WORLD]
    body = yaml.safe_dump(world.registry(_base(request)), allow_unicode=True, sort_keys=False)
    return text_response(body, content_type="application/x-yaml")


async def _ground_truth(request: web.Request) -> web.Response:
    world = request.app[APP_WORLD]
    return json_response(world.ground_truth(_base(request)))


async def _icon(request: web.Request) -> web.Response:
    world = request.app[APP_WORLD]
    png = world.icon_png(request.match_info["store"], request.match_info["app_id"])
    if png is None:
        raise web.HTTPNotFound()
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "max-age=86400"})


async def _stats(request: web.Request) -> web.Response:
    engine = request.app[APP_ENGINE]
    return json_response({"troubles": dict(engine.counts), "requests": dict(engine.requests),
                          "enabled": {n: s.rate for n, s in engine.specs.items() if s.enabled}})
