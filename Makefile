# The README's two commands are `make demo` and `make test`; each bootstraps what it needs.
.PHONY: demo test lint bench bootstrap

bootstrap:
	@tools/bootstrap.sh

demo: bootstrap
	.venv/bin/python -m devtools.demo

test: bootstrap
	.venv/bin/python -m pytest

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/mypy .

bench: bootstrap
	.venv/bin/python -m bench
