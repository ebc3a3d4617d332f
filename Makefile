# Set-up and checks. `make demo` and `make test` work on a fresh clone.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): setup.py pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip "setuptools>=70" wheel
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/fenjie demo

lint: $(STAMP)
	$(VENV)/bin/ruff check addin tests benchmarks workbook_templates

test: lint
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/accuracy.py
	$(PY) benchmarks/speed.py
	$(PY) benchmarks/validate_speed.py
	$(PY) benchmarks/render_speed.py
	$(PY) benchmarks/progress.py
	XLWINGS_LICENSE_KEY=noncommercial $(PY) benchmarks/ribbon_speed.py
	$(PY) benchmarks/wps_service.py

clean:
	rm -rf $(VENV) build *.egg-info fenjie-demo
