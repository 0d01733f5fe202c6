# The two set-up commands (see README): `make run` and `make test`.
# Each installs what it needs first (Debian packages, .venv, npm tools).
.PHONY: run test setup setup-test lint

run: setup
	.venv/bin/tryon serve $(ARGS)

test: setup-test
	scripts/test.sh

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

lint: setup-test
	.venv/bin/ruff check tryon tests bench scripts
	.venv/bin/ruff format --check tryon tests bench scripts
	.venv/bin/mypy
