# Two commands on a fresh machine with Python >= 3.10:
#   make run    install, then train and test the reference CNN on the original schedule
#   make test   install (with the test tools), then run the whole test suite
PYTHON ?= python3

.PHONY: install install-test run test data benchmark

install:
	$(PYTHON) -m pip install -q -e .

install-test:
	$(PYTHON) -m pip install -q -e ".[test]"

data:
	$(PYTHON) scripts/get_data.py

run: install
	@test -f data/mnist_train.mat -a -f data/mnist_test.mat || $(PYTHON) scripts/get_data.py
	$(PYTHON) scripts/main_cnn.py

test: install-test
	$(PYTHON) -m pytest
