# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ADDR ?= 127.0.0.1:8000

.PHONY: install demo test lint bench browser servers clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

# Embedded SQLite whatever DATABASE_URL says, so the demo never touches a real database.
demo: install
	DEBUG=1 DATABASE_URL= $(BIN)/python manage.py migrate --noinput
	DEBUG=1 DATABASE_URL= $(BIN)/python manage.py loaddemo
	DEBUG=1 DATABASE_URL= DEMO_ADDR=$(DEMO_ADDR) scripts/demo.sh

browser:
	scripts/ensure-chromium.sh

# Debian's vsftpd and redis-server, which the collection and worker tests start on loopback.
servers:
	scripts/ensure-vsftpd.sh
	scripts/ensure-redis.sh

test: install browser servers
	$(BIN)/pytest -n auto --dist loadfile -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/ingest.py 100000

# Drops and recreates the PostgreSQL database DATABASE_URL names: give it its own.
bench-reconciliation: install
	$(BIN)/python bench/reconciliation.py

clean:
	rm -rf $(VENV) db.sqlite3 var
