# The README's commands. `make run`: everything on the embedded default; `make test`: the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ROWS ?= 200
BENCH_ROWS ?= 100000
# The csv scale run: time and peak RSS of BENCH_CSV_ROWS rows against 100,000 (empty skips it).
BENCH_CSV_ROWS ?= 1000000

.PHONY: install messages run test bench bench-submit bench-fair bench-spread bench-ratelimit bench-cache bench-dashboard sync-demo show-demo clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# The .mo catalogs are built, never committed; Babel compiles them, so GNU gettext is not needed.
# Run after editing a locale/*/LC_MESSAGES/django.po.
messages: $(VENV)/.installed
	$(BIN)/pybabel compile -d locale -D django

run: install messages
	DEMO_ROWS=$(DEMO_ROWS) deploy/run_embedded.sh

test: install messages
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/ingest.py --rows $(BENCH_ROWS) $(if $(BENCH_CSV_ROWS),--csv-rows $(BENCH_CSV_ROWS))
	$(BIN)/python bench/independent.py --rows $(BENCH_ROWS)
	$(BIN)/python bench/small_files.py
	$(BIN)/python bench/submit.py
	$(BIN)/python bench/fair_share.py
	$(BIN)/python bench/batch_spread.py
	$(BIN)/python bench/ratelimit.py
	$(BIN)/python bench/cache.py
	$(BIN)/python bench/dashboard.py

# Submission latency over HTTP and end-to-end task throughput, against bare baselines (bench/submit.py).
bench-submit: install
	$(BIN)/python bench/submit.py

# Fair share: a colleague's single file against another user's ten 30-file batches, on and off (bench/fair_share.py).
bench-fair: install
	$(BIN)/python bench/fair_share.py

# A 40-file batch on two idle workers, spread over the free slots against one file at a time (bench/batch_spread.py).
bench-spread: install
	$(BIN)/python bench/batch_spread.py

# p50 of one endpoint with the rate limits on and off (bench/ratelimit.py).
bench-ratelimit: install
	$(BIN)/python bench/ratelimit.py

# p50 of /api/accounts/stats over 10,000 accounts, cached against uncached (bench/cache.py).
bench-cache: install
	$(BIN)/python bench/cache.py

# p50 of the operations dashboard over 100,000 tasks and 1,000,000 fact rows against the admin task list (bench/dashboard.py).
bench-dashboard: install
	$(BIN)/python bench/dashboard.py

# With `make run` going in another terminal: sync every pending demo file, then show the result.
sync-demo:
	env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL $(BIN)/python manage.py sync_files --enqueue

show-demo:
	env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL $(BIN)/python manage.py sync_report

clean:
	rm -rf var

# --- Monitoring (issue 9): the celery exporter lives in a venv of its own (deploy/exporter/requirements.txt
# says why); `make install`, and so `make test`, build it. deploy/celery-exporter.sh runs it.
EXPORTER_VENV := .venv-exporter

$(EXPORTER_VENV)/.installed: deploy/exporter/requirements.txt
	test -x $(EXPORTER_VENV)/bin/python || $(PYTHON) -m venv $(EXPORTER_VENV)
	$(EXPORTER_VENV)/bin/pip install --quiet -r deploy/exporter/requirements.txt
	touch $@

install: $(EXPORTER_VENV)/.installed
