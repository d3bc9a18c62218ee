# The README's two commands are `make demo` and `make test`; each bootstraps what it needs.
.PHONY: demo test lint bench bootstrap release sdk docs

bootstrap:
	@tools/bootstrap.sh

demo: bootstrap
	.venv/bin/python -m devtools.demo

test: bootstrap
	.venv/bin/python -m pytest

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/mypy .
	@# Each example is its own project with its own __main__: one mypy run each.
	for example in examples/*/__main__.py; do .venv/bin/mypy "$$example" || exit 1; done
	@# Our SDK generator (tools/pulumi-codegen) is Go: gofmt-clean and vetted.
	test -z "$$(gofmt -l tools/pulumi-codegen)"
	cd tools/pulumi-codegen && go vet .

# dist/release/v<version>/: the plugin for this machine, schema.json, the SDK packages, SHA256SUMS.
release: bootstrap
	.venv/bin/python -m devtools.release

# The Go SDK committed under sdk/ (Go users fetch the tag), regenerated from the schema.
sdk: bootstrap
	.venv/bin/python -m devtools.release sdk

# docs/resources/*.md and docs/installation-configuration.md, rendered from the schema.
docs: bootstrap
	.venv/bin/python -m devtools.docs

bench: bootstrap
	.venv/bin/python -m bench
