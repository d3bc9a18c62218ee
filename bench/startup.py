"""What each Python process of a `pulumi up` pays in imports before it does any work.

Each process of the run (language host, program, provider host, and the floor script for
comparison) is a fresh interpreter; its imports are timed here in a fresh interpreter too, as the
median of a few runs.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from dataclasses import dataclass

from tests.pulumi_cli import REPO

# What each process imports before its first useful step, as its entry point does.
IMPORTS = {
    "language host (language_host.py)": "grpc, pulumi.runtime.proto.language_pb2_grpc",
    "program (__main__.py)": "pulumi, pop_provider, pop_provider.program.stack_config",
    "provider host (pulumi.dynamic), to configure": "pulumi.dynamic, dill, "
    "pop_provider.dynamic.provider",
    "provider host, to its first ARM call": "azure.identity, azure.mgmt.iothub",
    "floor script": "azure.identity, azure.mgmt.iothub, cryptography.x509",
}
_SNIPPET = "import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"


@dataclass(frozen=True)
class ImportCost:
    """Median seconds to import `modules` in a fresh interpreter (after `after`, untimed)."""

    process: str
    modules: str
    seconds: float


def import_seconds(modules: str, after: str = "", runs: int = 3) -> float:
    """Median wall seconds of `import modules` in a fresh interpreter, `after` imported first."""
    setup = f"import {after}; " if after else ""
    code = setup + _SNIPPET.format(modules=modules)
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(samples)


def import_costs() -> list[ImportCost]:
    """The import bill of every process in the run."""
    host = IMPORTS["provider host (pulumi.dynamic), to configure"]
    costs = []
    for process, modules in IMPORTS.items():
        after = host if process.startswith("provider host, to its first") else ""
        costs.append(ImportCost(process, modules, import_seconds(modules, after)))
    return costs
