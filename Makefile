# Every target creates and uses .venv in this checkout.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
# The guided planner's step classifier, fine-tuned here from the packaged labelled clauses
# (about a minute on 2 cores; langchain_hugginggpt/planning/train.py). It goes into the
# environment (.venv/share/langchain-hugginggpt/planner), named by a hash of what it read.
PLANNER := $(VENV)/.trained-planner
PLANNER_INPUTS := langchain_hugginggpt/data/step_labels.jsonl \
	langchain_hugginggpt/data/task_intents.json langchain_hugginggpt/planning/train.py \
	langchain_hugginggpt/planning/classifier.py
# The distributed Agent Server's own environment (its langgraph-api clashes with .venv's).
SERVER_VENV := .venv-server
SERVER_STAMP := $(SERVER_VENV)/.installed-server

# llama-cpp-python compiles llama.cpp during install, for the instruction sets this CPU reports
# (scripts/llama_cmake_args.py): AVX2 at least, AVX-512 with VNNI and BF16 where present, never
# -march=native and AMX tiles only with HUGGINGGPT_LLAMA_AMX=1 (a native build used the tiles
# and its batched matmuls crashed in a VM that does not grant them). A CMAKE_ARGS you set wins.
# Each set of arguments gets its own cached wheel (scripts/llama_wheel.py); a smoke test then
# evaluates a prompt on the installed build (scripts/llama_smoke.py) and names the fallback.
ifeq ($(strip $(CMAKE_ARGS)),)
CMAKE_ARGS := $(shell $(PYTHON) -m scripts.llama_cmake_args)
endif
export CMAKE_ARGS

DEMO_REQUEST := transcribe this recording, summarise it in two sentences, read the summary aloud, and list the people and places it mentions
SAMPLE := samples/news.wav

.PHONY: install test lint format demo bench clean browser system-packages ui server-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"

# pip >= 25.1 understands PEP 735 dependency groups (--group).
$(STAMP): pyproject.toml scripts/llama_cmake_args.py scripts/llama_wheel.py | $(BIN)/python
	$(BIN)/python -m scripts.llama_wheel install
	$(BIN)/python -m pip install --quiet -e ".[local,offline,ui,postgres]" --group dev
	$(BIN)/python -m scripts.llama_smoke
	touch $@

# langhost + langgraph-runtime-pg + this project, for the server tests and `make bench`.
$(SERVER_STAMP): pyproject.toml
	$(PYTHON) -m venv $(SERVER_VENV)
	$(SERVER_VENV)/bin/python -m pip install --quiet --upgrade "pip>=25.1"
	$(SERVER_VENV)/bin/python -m pip install --quiet -e . --group server
	touch $@

$(PLANNER): $(STAMP) $(PLANNER_INPUTS)
	HF_HUB_OFFLINE=1 $(BIN)/python -m langchain_hugginggpt.planning.train
	touch $@

server-venv: $(SERVER_STAMP)

# Debian packages the tests and the offline default use: chromium + chromedriver (the web page
# test), Tesseract (OCR: text in images and scanned PDFs), espeak-ng (speech in languages the
# packaged Piper voice does not speak), PostgreSQL and Redis (throwaway instances for the
# distributed server tests and the load benchmark). Installed with apt when missing (as root,
# or through sudo); anything else stops here with what to install.
SYSTEM_PACKAGES := chromium chromium-driver tesseract-ocr tesseract-ocr-eng espeak-ng \
	postgresql redis-server
SYSTEM_COMMANDS := /usr/bin/chromium /usr/bin/chromedriver /usr/bin/tesseract /usr/bin/espeak-ng \
	/usr/bin/redis-server

system-packages:
	@missing=; for c in $(SYSTEM_COMMANDS); do [ -x $$c ] || missing="$$missing $$c"; done; \
	[ -d /usr/share/tesseract-ocr/5/tessdata ] && ls /usr/share/tesseract-ocr/5/tessdata/eng.* \
		>/dev/null 2>&1 || missing="$$missing eng.traineddata"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing pg_ctl"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
		echo "make: missing$$missing: run as root or install the Debian packages" \
			"$(SYSTEM_PACKAGES)" >&2; exit 1; fi; \
	$$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
		$(SYSTEM_PACKAGES)

browser: system-packages

install: $(STAMP) $(PLANNER)

test: $(STAMP) $(PLANNER) $(SERVER_STAMP) system-packages
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The web page on http://127.0.0.1:7860 (same graph and settings as the command line).
ui: $(STAMP) $(PLANNER)
	HF_HUB_OFFLINE=1 $(BIN)/hugginggpt ui

# The main job on the embedded offline default: no key, no network.
demo: $(STAMP) $(PLANNER) system-packages
	@test -f $(SAMPLE) || $(BIN)/python -m langchain_hugginggpt.offline.sample $(SAMPLE)
	HF_HUB_OFFLINE=1 $(BIN)/hugginggpt "$(DEMO_REQUEST)" --input $(SAMPLE)

# Every benchmark; writes benchmarks/results/latest.json, latest.md and plots (about 45 min).
# BENCH_ARGS="--skip planning" leaves out the planning evaluation (about 30 of those minutes).
# `load` starts PostgreSQL, Redis and two Agent Server workers itself (system-packages, server-venv).
bench: $(STAMP) $(PLANNER) $(SERVER_STAMP) system-packages
	$(BIN)/python -m pip install --quiet --group bench
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.run $(BENCH_ARGS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(SERVER_VENV) build dist *.egg-info .langgraph_api samples
