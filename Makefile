# newsscraper: make install · crawl · demo · test · bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install crawl demo test lint format bench bench-smoke clean

# The replica is no installed package (it serves tests/fixtures/pages/ of this checkout): the
# checkout's folder goes on the venv's path, so `.venv/bin/python -m replica` runs from anywhere.
$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,plot]'
	$(BIN)/python -c 'import os, pathlib, sysconfig; \
	  pathlib.Path(sysconfig.get_path("purelib"), "newsscraper-checkout.pth").write_text(os.getcwd() + "\n")'
	touch $(STAMP)

install: $(STAMP)  ## create .venv with newsscraper, scrapy and the test tools

crawl: $(STAMP)  ## crawl the live Doanh nghiệp section into output/
	$(BIN)/scrapy crawl cafef $(ARGS)

demo: $(STAMP)  ## start the local replica, crawl it into demo-output/, show what landed
	$(BIN)/python -m replica.demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The tests run in three processes per core (pytest-xdist): much of a test's time is spent
# waiting on a crawl of the replica. `make test PYTEST_ARGS=` runs them in one.
WORKERS := $(shell $(PYTHON) -c "import os; print(3 * (os.cpu_count() or 1))")
PYTEST_ARGS ?= -n $(WORKERS) --dist worksteal

test: lint  ## ruff, then the whole test suite (offline)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)  ## every benchmark; writes bench/RESULTS.md
	$(BIN)/python -m bench

bench-smoke: $(STAMP)  ## every benchmark at tiny sizes, in seconds (writes nothing)
	$(BIN)/python -m bench --smoke

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
