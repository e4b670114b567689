# geomap: `make site` builds the map site, `make test` runs the suite. Both install what they need first.
# The venv's interpreter: the system's python3 where it is 3.10 or newer and can make a venv, else the first python3 on
# PATH (PYTHON=... picks another; `rm -rf .venv` to remake one). Distributions build their CPython with profile-guided
# and link-time optimisation, which a plain source build (pyenv's default) does not: Debian's runs the per-article
# stage in 11% less time than pyenv's 3.11 (README, "Two commands").
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do \
	$$p -c 'import ensurepip, sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null && { echo $$p; exit; }; done; echo python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
ARTICLES ?= examples/articles
OUT      ?= site
SEEDS    ?= ../shared/corpus/seeds

.PHONY: site test lint bench bench-large eval clean install install-test

$(BIN)/geomap: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-deps: $(BIN)/geomap
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/geomap
install-test: $(VENV)/.test-deps

site: $(BIN)/geomap
	$(BIN)/geomap build $(ARTICLES) --out $(OUT)
	@echo "open $(OUT)/index.html in a browser"

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test-deps
	$(BIN)/ruff check geomap tests tools

clean:
	rm -rf $(OUT) .pytest_cache

eval: $(VENV)/.test-deps
	$(BIN)/geomap -q eval ../shared/corpus/eval/TR-News/TR-News.xml ../shared/corpus/eval/GeoVirus/GeoVirus.xml
	@echo "place claims only (--literal; GeoVirus leaves demonyms and metonymy unannotated):"
	@$(BIN)/geomap -q eval --literal ../shared/corpus/eval/TR-News/TR-News.xml ../shared/corpus/eval/GeoVirus/GeoVirus.xml

bench: $(VENV)/.test-deps
	$(BIN)/python tools/bench.py
	$(BIN)/python tools/bench_site.py

bench-large: $(VENV)/.test-deps
	$(BIN)/python tools/bench.py --large
