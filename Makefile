# Witness Archive: `make run` serves the sample case, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Everything the commands read (database, index, media) lives under ARCHIVE_DATA_DIR.
export ARCHIVE_DATA_DIR ?= $(CURDIR)/instance
# Test processes (pytest-xdist): one per core; a process that runs out of tests takes some of
# another's (worksteal), so one long file does not hold the run up at its end.
JOBS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(JOBS) --dist worksteal

.PHONY: run test check lint translations messages system-libs test-tools bench bench-media bench-redaction bench-search bench-timeline bench-briefs bench-custody bench-load bench-near-duplicates lock install install-test browser clean

run: $(VENV)/.installed translations system-libs
	$(BIN)/archive init
	$(BIN)/archive load-corpus --reviewed-by custodian
	$(BIN)/archive run

# The whole suite on SQLite + Whoosh, then the tests that touch storage or search (marked
# `storage` by tests/conftest.py) again on PostgreSQL when its server is installed: a throwaway
# cluster on 127.0.0.1, removed afterwards (tests/pgcluster.py), or the server
# ARCHIVE_TEST_POSTGRES names.
test: $(VENV)/.installed-test translations browser system-libs test-tools
	$(PYTEST) $(PYTEST_ARGS)
	@if [ -n "$$ARCHIVE_TEST_POSTGRES" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "== the tests that touch storage or search again, on PostgreSQL =="; \
		$(BIN)/python -m tests.pgcluster run $(PYTEST) -m storage $(PYTEST_ARGS); \
	else \
		echo "PostgreSQL is not installed: the suite ran on SQLite only (apt-get install postgresql)"; \
	fi

check: $(VENV)/.installed-test translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PYTEST) $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Each benchmark prints a table against a named peer measured in the same run.
bench: bench-media bench-redaction bench-search bench-timeline bench-briefs bench-custody bench-near-duplicates

bench-media: $(VENV)/.installed-test system-libs
	@command -v exiftool >/dev/null 2>&1 && command -v mat2 >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				libimage-exiftool-perl mat2 >/dev/null || echo "could not install exiftool/mat2: skipped"; \
		else echo "exiftool/mat2 missing (apt-get install libimage-exiftool-perl mat2): skipped"; fi; }
	$(BIN)/python benchmarks/media.py
	$(BIN)/python benchmarks/large_media.py
	$(BIN)/python benchmarks/recordings.py
	$(BIN)/python benchmarks/faces_scans.py

bench-redaction: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet scrubadub || echo "scrubadub could not be installed: skipped"
	taskset -c 0 $(BIN)/python benchmarks/redaction.py

bench-search: $(VENV)/.installed-test
	$(BIN)/python benchmarks/search.py

bench-timeline: $(VENV)/.installed-test
	$(BIN)/python benchmarks/timeline.py

# sealing at rest, revisions and signed heads, against the same archive without a vault key
bench-custody: $(VENV)/.installed-test
	$(BIN)/python benchmarks/custody.py

bench-briefs: $(VENV)/.installed-test system-libs
	$(BIN)/python benchmarks/briefs.py

# 4 workers on 100,000 documents, SQLite + Whoosh and PostgreSQL (Debian's postgresql server)
bench-near-duplicates: $(VENV)/.installed-test
	$(BIN)/python benchmarks/near_duplicates.py

bench-load: $(VENV)/.installed-test
	$(BIN)/python benchmarks/load.py

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

# The interface in Russian: the catalogue (.po, written by people, kept in git) compiled to the
# .mo the server reads, whenever the .po is newer. The .mo is never edited or committed.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard archive/translations/*/LC_MESSAGES/messages.po))
translations: $(CATALOGUES)
archive/translations/%/LC_MESSAGES/messages.mo: archive/translations/%/LC_MESSAGES/messages.po $(BIN)/python
	$(BIN)/pybabel compile --statistics -D messages -d archive/translations -l $*

# After wrapping new strings in _() or ngettext(): extract them and merge them into each .po,
# where a translator fills in the new entries (tests/test_translations.py names what is missing).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-wrap --sort-by-file \
		--project witness-archive -o archive/translations/messages.pot .
	$(BIN)/pybabel update -D messages -d archive/translations -i archive/translations/messages.pot \
		--no-wrap --ignore-obsolete

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Exact versions from the lock files, then the project itself (editable, without resolving again).
$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python requirements-test.lock pyproject.toml
	$(BIN)/python -m pip install --quiet -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

# PDF exports (WeasyPrint) need Debian's Pango and a font with Cyrillic; voice notes and video
# need Debian's ffmpeg (ffmpeg and ffprobe, run as separate processes: archive/media/ffmpeg.py);
# scans are read by Debian's tesseract with its Russian and English models (archive/media/ocr.py);
# OpenCV, which runs the face detector (archive/media/faces.py), loads libGL.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core ffmpeg tesseract-ocr tesseract-ocr-rus tesseract-ocr-eng libgl1
system-libs:
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 && ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset \
		&& fc-list 2>/dev/null | grep -qi dejavu \
		&& command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 \
		&& tesseract --list-langs 2>/dev/null | grep -qx rus && tesseract --list-langs 2>/dev/null | grep -qx eng \
		&& ldconfig -p 2>/dev/null | grep -q libGL.so.1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Pango, HarfBuzz's subsetter, DejaVu fonts (PDF exports), ffmpeg (audio and video), tesseract (scans), libGL (faces)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
		else \
			echo "PDF exports need Pango, recordings ffmpeg, scans tesseract: sudo apt-get install $(SYSTEM_PACKAGES)" >&2; \
		fi; }

# The media tests check the metadata they plant against exiftool, an independent reader.
test-tools:
	@command -v exiftool >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing exiftool for the media tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				libimage-exiftool-perl >/dev/null; \
		else \
			echo "the media tests compare with exiftool: sudo apt-get install libimage-exiftool-perl" >&2; \
		fi; }

# Browser tests drive Debian's chromium (Playwright's own browser download cannot work here),
# and run axe-core on every page (tests/browser/test_every_page.py): the exact version in
# package-lock.json, installed again by `npm ci` whenever the lock file is newer than the copy.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
		fi; }
	@if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/axe-core ]; then \
		command -v npm >/dev/null 2>&1 || { \
			if [ "$$(id -u)" = 0 ]; then \
				echo "installing Debian's nodejs and npm for axe-core (the accessibility tests)"; \
				apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
			else \
				echo "the accessibility tests need axe-core from the npm registry:" \
					"sudo apt-get install nodejs npm, then make browser" >&2; exit 1; \
			fi; }; \
		echo "installing axe-core from package-lock.json (npm ci)"; \
		npm ci --no-audit --no-fund && touch node_modules/axe-core; \
	fi

# Regenerate the lock files on purpose, after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 --no-header -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 --no-header --extra test -o requirements-test.lock

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache tests/artifacts
