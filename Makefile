# govspider: `make demo` runs the main job on embedded defaults, `make test` runs the tests.
# Both install what they need: a virtualenv with the project, and the Debian packages the
# browser, distributed-crawl and report features use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEBS   := chromium redis-server fonts-noto-cjk
APT    := $(shell [ "$$(id -u)" = 0 ] && echo apt-get || echo sudo apt-get)
# extra pytest arguments (the ten slowest tests are listed, to keep the suite well under 15 minutes)
PYTEST_ARGS ?= --durations=10
# pytest-xdist workers; a test file runs whole on one worker (its module fixtures are shared)
TEST_WORKERS ?= 2

.PHONY: help venv sysdeps test demo eval bench lint clean imports

help:
	@echo "make demo    crawl the local sandbox into the embedded database, detect, write the report"
	@echo "make test    run the test suite (installs the virtualenv and Debian packages it needs)"
	@echo "make eval    precision and recall of every detector: written cases beside both halves of the real-incident set, then the sandbox's planted cases"
	@echo "make bench   benchmarks under bench/ (ratios against same-run baselines; BENCH_ARGS=--quick)"
	@echo "make lint    ruff"
	@echo "make fixtures  parser fixtures against their expected.json (FIXTURES_ARGS=--update rewrites them)"
	@echo "make imports   draw docs/imports.svg (the core below every plugin, no import circle)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[embedded,dev]'
	@touch $(STAMP)

venv: $(STAMP)

# Debian packages: chromium (Douyin signing through a real browser), redis-server (distributed
# crawling with scrapy-redis), fonts-noto-cjk (Chinese text in report charts).
sysdeps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq $$missing >/dev/null; \
	fi

test: venv sysdeps
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

demo: venv sysdeps
	$(BIN)/govspider demo

# written cases and the real-incident set (tuning and test halves side by side), then the demo
# corpus against the sandbox's planted cases (demo run if missing)
eval: venv sysdeps
	$(BIN)/python -m govspider_plugins.detectors.eval $(EVAL_ARGS)
	@test -f data/ground_truth.json || $(BIN)/govspider demo
	$(BIN)/govspider score data/ground_truth.json

bench: venv sysdeps
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

# rewrite the parser fixtures' expected.json from the current parsers (tests/fixtures/README.md);
# FIXTURES_ARGS="weibo wechat/article" limits it to platforms, kinds or cases. Review the diff!
.PHONY: fixtures
fixtures: venv
	$(BIN)/python -m tests.fixturecases --update $(FIXTURES_ARGS)

lint: venv
	$(BIN)/ruff check govspider plugins tests bench

clean:
	rm -rf $(VENV) data report .pytest_cache

# the import drawing of the core and the plugins (checked by tests/core/test_imports.py)
imports: venv
	$(BIN)/python docs/imports.py
