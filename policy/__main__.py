"""The pack's entry point: Pulumi runs this folder with `python -m pulumi.policy`, which serves
the pack to the engine until the run ends."""

# Pulumi runs this file with the pack's folder on sys.path, so `guardrails` is a top-level package
# then; type checkers reading the repository see the folder as the package `policy` instead.
from guardrails.pack import serve  # type: ignore[import-not-found,unused-ignore]

serve()
