# Marquee. `make run` serves it, `make test` runs every test. Both install
# what they need first (scripts/setup.sh; quiet when all is there).

TOOLS_DIR ?= $(HOME)/.cache/marquee
export MARQUEE_TOOLS_DIR := $(TOOLS_DIR)
# Every recipe runs with the toolchain the set-up chose and the node tools.
SHELL := /bin/bash
TOOLS := source $(TOOLS_DIR)/env.sh && export PATH="$(CURDIR)/node_modules/.bin:$$PATH" &&
TARGET := $(or $(CARGO_TARGET_DIR),target)

.PHONY: all setup setup-test run dev build dist test test-unit test-postgres test-e2e test-fuzz test-parsers deny lint fmt clean

all: build

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

## Release build, then serve on http://127.0.0.1:3000 with the embedded SQLite database.
run: setup
	$(TOOLS) cargo leptos serve --release --precompress

## Rebuild and reload on every change.
dev: setup
	$(TOOLS) cargo leptos watch

## Release build of the server and the site; the site's files are compressed
## once here (brotli and gzip beside each), not on every download.
build: setup
	$(TOOLS) cargo leptos build --release --precompress

## dist/marquee and dist/site/: runs from any directory with only environment variables.
dist: build
	rm -rf dist && mkdir -p dist
	cp $(TARGET)/release/marquee dist/marquee
	cp $(TARGET)/release/hash.txt dist/hash.txt
	cp -r target/site dist/site

## Every test: the dependency rules (cargo deny), unit and integration
## (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set), the wasm build,
## Playwright against dist/, schemathesis fuzzing the JSON API against its
## own document, and the parsers' fuzz targets for a bounded time.
## Both cargo test runs name the same packages and features, so the second
## reuses the first one's build.
test: setup-test deny test-unit test-postgres dist test-e2e test-fuzz test-parsers

test-unit:
	$(TOOLS) TEST_POSTGRES_URL= cargo test -p app -p server --features app/ssr

test-postgres:
	@if [ -n "$$TEST_POSTGRES_URL" ]; then \
		$(TOOLS) cargo test -p app -p server --features app/ssr --test api; \
	else \
		echo "test-postgres: TEST_POSTGRES_URL is not set; PostgreSQL tests skipped"; \
	fi

test-e2e:
	$(TOOLS) scripts/e2e.sh

test-fuzz:
	$(TOOLS) scripts/schemathesis.sh

## cargo fuzz on the parsers strangers reach (fuzz/README.md), 30 s a target.
test-parsers:
	$(TOOLS) scripts/fuzz.sh $${FUZZ_SECONDS:-30}

## Licenses, banned crates and sources of every dependency (deny.toml).
deny: setup-test
	$(TOOLS) cargo deny check --hide-inclusion-graph licenses bans sources

## Formatting and lints, per target (the server and the wasm separately),
## and the module graph (domains and files import each other without cycles).
lint: setup
	python3 scripts/module-graph.py
	$(TOOLS) cargo fmt --all -- --check
	$(TOOLS) cargo clippy -p app -p server --features app/ssr --all-targets -- -D warnings
	$(TOOLS) cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt --all

clean:
	rm -rf dist target/site
