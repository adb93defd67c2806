# Two entry points, each doing all set-up on a fresh machine:
#   make demo   -- the main job on the embedded synthetic data
#   make test   -- the test suite without the end-to-end runs marked slow
# and `make test-slow` for those (kill and resume, two devices, whole binaries); CI runs both.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= runs/demo

.PHONY: demo test test-slow clean

$(STAMP): setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m pipeline.demo --flagfile=recipes/demo/demo.flags --output_dir=$(DEMO_DIR) \
		$(if $(DATA_ROOT),--data_root=$(DATA_ROOT))

# Two workers (pytest-xdist), each test file whole on one worker so that a module's trained
# fixture is built once; the slow tier stays serial, its kill-and-resume tests time processes.
test: $(STAMP)
	$(PY) -m pytest -q -m "not slow" -n 2 --dist loadfile tests

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow tests

clean:
	rm -rf $(VENV) runs *.egg-info
