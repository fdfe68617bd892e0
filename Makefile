# Confidant: `make run` opens the app, `make test` runs every test.
# Both install what is missing first (Debian packages, npm packages, tauri-driver),
# so they work on a fresh Debian 12 machine with only Rust, Node, gcc and apt.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export CARGO_TARGET_DIR ?= $(HOME)/.cache/confidant/target
TOOLS_DIR ?= $(HOME)/.cache/confidant/tools
TAURI_DRIVER_VERSION := 2.1.0
TAURI_DRIVER := $(TOOLS_DIR)/bin/tauri-driver
APP_BINARY := $(CARGO_TARGET_DIR)/debug/confidant-app
UI_STAMP := ui/node_modules/.package-lock.json
E2E_STAMP := tests/e2e/node_modules/.package-lock.json

.PHONY: help run test deps system-deps npm-deps tools ui app bindings \
        fmt lint rust-test ui-test e2e bench bench-desktop fhir-test soak

help:
	@echo "make run    install what is missing, build, open Confidant (under Xvfb without a display)"
	@echo "make test   everything: fmt, clippy, Rust tests, UI type check + Vitest, end-to-end"
	@echo "make soak   the fault tests at length (100 rounds of kill -9 while saving)"
	@echo "make bindings  regenerate ui/src/lib/bindings.ts after changing a command"

# ---- installing ---------------------------------------------------------------

deps: system-deps npm-deps tools

system-deps:
	@bash scripts/install-system-deps.sh

npm-deps: $(UI_STAMP) $(E2E_STAMP)

$(UI_STAMP): ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

$(E2E_STAMP): tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund

tools: $(TAURI_DRIVER)

$(TAURI_DRIVER):
	cargo install --locked --root $(TOOLS_DIR) tauri-driver --version $(TAURI_DRIVER_VERSION)

# ---- building -----------------------------------------------------------------

ui: $(UI_STAMP)
	cd ui && npm run --silent build

# The app the end-to-end suite drives: the shipped app plus the test-dialogs hook
# (file dialogs answered through a folder; inert unless the suite sets
# CONFIDANT_TEST_DIALOG_DIR). Release builds never enable it.
app: ui
	cargo build -p confidant-app --features test-dialogs

bindings: ui
	CONFIDANT_UPDATE_BINDINGS=1 cargo test -p confidant-app --lib typescript_bindings_are_up_to_date

run: system-deps npm-deps app
	@bash scripts/run-app.sh "$(APP_BINARY)"

# ---- testing ------------------------------------------------------------------

# Every check, its output also kept in a log that scripts/test-summary.mjs reads
# to print how many tests ran and how many were skipped (any skip fails).
TEST_LOG := $(CARGO_TARGET_DIR)/make-test.log

test: deps ui
	@mkdir -p "$(dir $(TEST_LOG))"
	$(MAKE) --no-print-directory fmt lint rust-test ui-test e2e fhir-test 2>&1 | tee "$(TEST_LOG)"
	@node scripts/test-summary.mjs "$(TEST_LOG)"
	@echo "make test: all checks passed"

fmt:
	cargo fmt --all -- --check

lint: ui
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p confidant-app --features test-dialogs -- -D warnings
	cargo check --manifest-path fuzz/Cargo.toml --bins

rust-test: ui
	cargo test --workspace

# The fault tests at length: 100 rounds of kill -9 while saving (make test runs 20).
soak: ui
	CONFIDANT_KILL_ROUNDS=100 CONFIDANT_POWER_CUT_ROUNDS=50 cargo test -p confidant-acceptance-tests --test faults -- --nocapture

ui-test: $(UI_STAMP)
	cd ui && npm run --silent check
	cd ui && npm run --silent test

bench:
	cargo build --release -p confidant-cli
	$(CARGO_TARGET_DIR)/release/confidant bench --records 10000 --records 100000 --backup 100000

e2e: app tools $(E2E_STAMP)
	cd tests/e2e && CONFIDANT_APP_BINARY="$(APP_BINARY)" TAURI_DRIVER="$(TAURI_DRIVER)" npm test --silent

# Start-up time and memory against an empty Tauri window (docs/benchmarks.md):
# builds the UI, both release binaries and bench/empty-window; about 15 min on an
# idle machine, longer on a busy one (it waits for calm and quiet moments).
bench-desktop: $(UI_STAMP) $(E2E_STAMP) tools
	bash scripts/bench-desktop.sh

# The FHIR R4 bundle of an export, checked by an independent validator (Python
# fhir.resources in a pinned venv, scripts/fhir-venv.sh) as well as in Rust.
fhir-test: system-deps
	python="$$(bash scripts/fhir-venv.sh)"; \
	CONFIDANT_FHIR_PYTHON="$$python" cargo test -p confidant-export --test fhir
