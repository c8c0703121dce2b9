# One entry point for a fresh Debian machine:
#   make demo   builds `sol` and runs the main job (`sol quickstart`)
#   make test   installs what the tests need, builds, runs every test, the MPI test, the Python
#               checks (h5py; pbdl's and the_well's loaders on exported files) and the notebooks
#
# Both install missing Debian packages (apt-get) and create a Python venv in .venv on demand.

SHELL := /bin/bash
APT_PACKAGES := pkg-config libfftw3-dev libhdf5-dev libopenblas-dev libopenmpi-dev openmpi-bin
PYTHON ?= python3
VENV := .venv
PY_PACKAGES := h5py numpy matplotlib nbclient nbformat ipykernel pbdl==1.0.0 setuptools==80.9.0
# The Well's loader (the_well) needs torch. `torch==2.13.0` resolves to the CPU-only wheel
# 2.13.0+cpu when pip finds one in a local wheel directory (PIP_FIND_LINKS, as on the project's
# machines: 190 MB, no CUDA packages, about 40 s for this whole list), and to PyPI's build
# otherwise, which works on CPU too but pulls about 2.6 GB of nvidia-* packages.
# (pbdl imports pkg_resources, which setuptools 81 may drop: hence the pin above.)
INTEROP_PY_PACKAGES := the_well==1.2.0 torch==2.13.0
SWIFT_TEST_FLAGS ?= --disable-swift-testing
# Our code builds without a warning: `make build` and `make test` keep it so.
SWIFT_BUILD_FLAGS ?= -Xswiftc -warnings-as-errors
OUT := out

# Solver and trainer threads are managed by the project; keep the libraries single-threaded.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: all deps venv venv-interop build release demo test test-swift test-mpi test-python test-interop test-notebooks clean

all: build

# Debian packages: install only what is missing (apt-get update first on a fresh machine).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: Makefile
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(PY_PACKAGES)
	touch $@

venv-interop: $(VENV)/.interop-installed

$(VENV)/.interop-installed: $(VENV)/.installed
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(INTEROP_PY_PACKAGES)
	touch $@

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

release: deps
	swift build -c release --product sol

demo: release
	.build/release/sol quickstart

test: deps venv test-swift test-mpi test-python test-interop test-notebooks

# SOL_PYTHON: the Python with numpy that runs examples/python/burgers_solver.py in OwnSolverTests.
test-swift:
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	SOL_PYTHON=$(CURDIR)/$(VENV)/bin/python swift test $(SWIFT_TEST_FLAGS) --skip-build

# ZO queries split across 2 and 3 MPI ranks give the single-process gradient bit for bit; ranks
# given other data or options, or a failing rank, end the whole job with one message.
test-mpi:
	scripts/test_mpi.sh 2
	scripts/test_mpi.sh 3

# Python ecosystem checks: files written by the Swift code are read with h5py.
test-python: venv
	mkdir -p $(OUT)/interop
	SOL_INTEROP_DIR=$(CURDIR)/$(OUT)/interop swift test $(SWIFT_TEST_FLAGS) --skip-build --filter HDF5Tests/testWriteInteropFixture
	$(VENV)/bin/python scripts/check_h5py.py $(OUT)/interop/fixture.h5

# `sol export` files of every scenario read by pbdl's and the_well's own loaders (offline), and
# `sol import` of each export gives the frames back bit for bit.
test-interop: venv-interop
	$(VENV)/bin/python scripts/check_interop.py --sol $$(swift build --show-bin-path)/sol --dir $(OUT)/interop-export

# The notebooks run headless on a tiny dataset and tiny models that `sol quickstart` produces.
NB_DIR := $(OUT)/notebook-data
test-notebooks: venv
	$$(swift build --show-bin-path)/sol quickstart --dir $(NB_DIR) --iterations 40 --steps 30 --fresh
	$(VENV)/bin/python scripts/check_quickstart.py $(NB_DIR)/eval.json
	$$(swift build --show-bin-path)/sol export --format pbdl --data $(NB_DIR)/burgers.h5 --out $(NB_DIR)/burgers.hdf5 --overwrite
	SOL_DATASET=$(NB_DIR)/burgers.h5 SOL_PBDL=$(NB_DIR)/burgers.hdf5 SOL_RUNS=$(NB_DIR)/runs SOL_ROLLOUTS=$(NB_DIR)/rollouts.h5 \
	SOL_EVAL_JSON=$(NB_DIR)/eval.json $(VENV)/bin/python scripts/run_notebooks.py --out $(OUT)/notebooks

clean:
	rm -rf .build $(OUT)
