# Two entry points (see README): `make train` and `make test`.
# Both create .venv with Python 3.11 if needed and install the project into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.lincae-installed

.PHONY: install train compare test ffmpeg fluidsynth chromium clean-runs

$(STAMP): settings.ini setup.py
	@$(MAKE) --no-print-directory ffmpeg fluidsynth
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# museval imports musdb -> stempeg, which refuses to import without an ffmpeg binary.
ffmpeg:
	@command -v ffmpeg >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg) >/dev/null; \
	  else echo "ffmpeg is missing: install it (Debian: apt-get install ffmpeg; conda: see environment.yml)"; exit 1; fi; }

# lincae.sampled plays songs with FluidSynth: pyfluidsynth finds the system library libfluidsynth as checked here.
fluidsynth:
	@$(PYTHON) -c "import ctypes.util, sys; sys.exit(ctypes.util.find_library('fluidsynth') is None)" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libfluidsynth3) >/dev/null; \
	  else echo "libfluidsynth is missing: install it (Debian: apt-get install libfluidsynth3; conda: see environment.yml)"; exit 1; fi; }

# The browser test (tests/test_browser.py) drives Debian's Chromium with Playwright's Python client; it skips,
# saying why, where Chromium cannot be installed. Playwright's own browser download is never used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null || echo "could not install chromium: the browser test will be skipped"; \
	  else echo "chromium is missing (Debian: apt-get install chromium): the browser test will be skipped"; fi; }

# The main job: train the tiny preset on the embedded data (about 10 minutes on a laptop CPU).
train: install
	mkdir -p runs
	$(BIN)/papermill nbs/03_train.ipynb runs/train.ipynb

# Lin-CAE against M2L (tiny, embedded data), evaluated, then every figure (results/, data/checkpoints/, figures/).
compare: install
	mkdir -p runs
	$(BIN)/papermill nbs/05a_compare.ipynb runs/compare.ipynb
	$(BIN)/papermill nbs/06_figures.ipynb runs/figures.ipynb

# The whole test suite: every notebook's tests, then pytest (the authors' package is fetched for the
# equivalence test of lincae.released; LINCAE_REQUIRE_AUTHORS makes a failed fetch an error, not a skip).
test: install chromium
	$(BIN)/nbdev_test --n_workers 1 --timing
	LINCAE_REQUIRE_AUTHORS=1 $(BIN)/python -m pytest -q tests
