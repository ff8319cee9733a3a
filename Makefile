# `make demo` and `make test` install what they need: a .venv/ in the repo root
# (pip install -e '.[dev]', then the beam search's kernels compiled into the user cache,
# ~/.cache/inkspeech/numba) and Debian's espeak-ng for synthetic speech.
# `make wheel` builds dist/inkspeech-<version>-py3-none-any.whl (configs and models inside).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO := runs/demo
export PYTHONUNBUFFERED := 1

.PHONY: demo test install espeak fonts lint bench clean-demo wheel mutate

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m common.decoding.warmup
	touch $(STAMP)

espeak:
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  echo "installing espeak-ng (Debian package)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq espeak-ng >/dev/null; }

# handwriting-style fonts traced into pen strokes (handwriting/font_strokes.py, docs/fonts.md)
FONT_PKGS := fonts-bwht fonts-dkg-handwriting fonts-breip fonts-ecolier-court \
	fonts-dancingscript fonts-humor-sans fonts-comic-neue fonts-sil-andika fonts-klee \
	fonts-opendyslexic fonts-kaushanscript fonts-rufscript
fonts:
	@dpkg -s $(FONT_PKGS) >/dev/null 2>&1 || { \
	  echo "installing handwriting fonts (Debian packages)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(FONT_PKGS) >/dev/null; }

test: $(STAMP) espeak fonts
	$(PY) -m pytest -q -p no:cacheprovider

# mutation testing: each mutant of bench/mutants.py applied in turn, its tests run;
# writes docs/mutation.md (half an hour or more on 2 cores, so not part of `make test`).
# MUTATE_ARGS passes options, e.g. MUTATE_ARGS=--copy (mutate a copy of the tree)
mutate: $(STAMP) espeak fonts
	$(PY) bench/mutate.py $(MUTATE_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check common asr handwriting tests bench
	$(VENV)/bin/ruff format --check common asr handwriting tests bench

demo: $(STAMP) espeak fonts
	bash docs/demo.sh $(DEMO)

wheel: $(STAMP)
	rm -rf build  # setuptools would pack stale files left there
	$(PY) -m pip wheel -q --no-deps --no-build-isolation . -w dist

clean-demo:
	rm -rf $(DEMO)
