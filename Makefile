# Two commands on a fresh machine with Python >= 3.10:
#   make run    install, then train and test the reference CNN on the original schedule
#   make test   install (with the test tools), then run the whole test suite
#   make check-original   fetch the original MATLAB and check it in GNU Octave (apt install
#               octave octave-image); make golden   remake tests/golden from it (40 minutes)
#   make notebooks / make student   the lessons (docs/lessons) as Jupyter notebooks, in build/
#   make docs   the site (Sphinx + myst-nb, every lesson executed) in build/site/index.html
# Both install into a virtual environment in the project (.venv), never into the system's
# Python (Debian's refuses: PEP 668), and reinstall only when pyproject.toml changes.
# PYTHON= picks the Python that makes the environment; VENV= another environment's folder.
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python

.PHONY: install install-test run test data benchmark check-original golden notebooks student docs

$(VPY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10) and "error: $(PYTHON) is Python %s; the project needs >= 3.10 (choose one: make PYTHON=python3.12 ...)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

# the stamps: installed for this pyproject.toml (a newer one installs again)
$(VENV)/.installed: pyproject.toml | $(VPY)
	$(VPY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VPY)
	$(VPY) -m pip install -q -e ".[test]"
	@touch $@ $(VENV)/.installed-docs $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

data: install
	$(VPY) scripts/get_data.py

run: install
	@test -f data/mnist_train.mat -a -f data/mnist_test.mat || $(VPY) scripts/get_data.py
	$(VPY) scripts/main_cnn.py

test: install-test
	$(VPY) -m pytest

benchmark: install
	$(VPY) scripts/benchmark.py

check-original: install
	@test -f data/matlab/TrainCNN.m || $(VPY) scripts/get_data.py --matlab
	$(VPY) scripts/check_matlab.py data/matlab

golden: install
	@test -f data/matlab/TrainCNN.m || $(VPY) scripts/get_data.py --matlab
	$(VPY) scripts/make_golden.py

$(VENV)/.installed-lessons: pyproject.toml | $(VPY)
	$(VPY) -m pip install -q -e ".[lessons]"
	@touch $@ $(VENV)/.installed

notebooks: $(VENV)/.installed-lessons
	$(VPY) scripts/make_lessons.py notebooks

student: $(VENV)/.installed-lessons
	$(VPY) scripts/make_lessons.py student

$(VENV)/.installed-docs: pyproject.toml | $(VPY)
	$(VPY) -m pip install -q -e ".[docs]"
	@touch $@ $(VENV)/.installed

# -W: a warning, or a lesson's failing cell, fails the build; -E: every page (and so every
# lesson) is built again, though its source did not change; the site serves its own MathJax
docs: $(VENV)/.installed-docs
	$(VPY) scripts/get_data.py --mathjax
	$(VPY) -m sphinx -W --keep-going -E -q -b html -d build/doctrees docs build/site
	@echo "the site: build/site/index.html"
