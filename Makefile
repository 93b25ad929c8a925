# The two commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DB ?= sqlite:///sara.db
STAMP := $(VENV)/.installed
ASSETS := node_modules/.installed
CSS := sara/web/static/build/sara.css

.PHONY: run demo-db test bench install system-deps pdf-deps clean pictures

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

# The web app's front-end packages (GOV.UK Frontend, Leaflet, htmx, axe-core), pinned in
# package-lock.json, and SARA's stylesheet compiled from them. Served by SARA itself: no CDN.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

$(CSS): $(ASSETS) $(wildcard sara/web/static/*.scss)
	npm run --silent build:css

install: $(STAMP) $(CSS)

# Create the embedded database, load the bundled real Derbyshire data and the synthetic casework scenario (and its tag trails), serve on 127.0.0.1:8000.
run: demo-db
	$(BIN)/sara serve --db $(DB)

# The database `make run` serves (the README's examples run against it: tests/test_readme.py).
demo-db: $(STAMP) $(CSS) pdf-deps
	$(BIN)/sara init --db $(DB)
	$(BIN)/sara load areas demo/derbyshire-lsoa2011.geojson.zip --kind lsoa --db $(DB)
	$(BIN)/sara load areas demo/derbyshire-wards2016.geojson.zip --kind ward --db $(DB)
	$(BIN)/sara load areas demo/derbyshire-districts.geojson.zip --kind district --db $(DB)
	$(BIN)/sara load police-uk demo/derbyshire-2025-street.zip --db $(DB)
	$(BIN)/sara demo casework --db $(DB)
	$(BIN)/sara demo tags --db $(DB)

# PDF documents (WeasyPrint) need Pango from Debian's packages.
pdf-deps:
	@if ! ldconfig -p | grep -q libpangoft2-1.0; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 libpango-1.0-0 libpangoft2-1.0-0; \
		else echo "PDF documents need Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0"; exit 1; fi; \
	fi

# The tests run a real PostgreSQL server and headless Chromium: Debian's packages.
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 postgresql chromium; \
		else echo "the tests need Debian's postgresql and chromium: apt-get install postgresql chromium"; exit 1; fi; \
	fi

test: $(STAMP) $(CSS) system-deps pdf-deps
	$(BIN)/python -m pytest -n 2 -q

# The README's pictures, from the screenshots the browser tests take (run make test first).
pictures: $(STAMP)
	$(BIN)/python docs/make_pictures.py

bench: $(STAMP) $(CSS)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) sara.db node_modules sara/web/static/build
