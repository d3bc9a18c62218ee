"""cProfile of the program and the provider host of a `pulumi up`, for `python -m bench profile`.

Python imports `sitecustomize` from sys.path while it starts, before any of the process's own
code, so this is the one place that sees a whole process the CLI starts without a change to the
CLI, the language host or the program. The bench puts this folder on PYTHONPATH of the runs it
profiles, and only those, with POP_BENCH_PROFILE_DIR naming where the stats go; any other Python
process (the language host, the CLI's build check) only pays for reading this file.

Every thread gets its own profiler timed by `time.thread_time` (CPU of that thread, not wall
time), because both processes work on several threads: the program's event loop plus its gRPC
executor, the provider host's four gRPC workers. Stats are written at exit: the program ends on
its own, the provider host on the CLI's SIGINT (its `KeyboardInterrupt` ends it cleanly, within
the 5 s the CLI grants before SIGKILL).
"""

from __future__ import annotations

import os
import sys

PROFILE_DIR_VARIABLE = "POP_BENCH_PROFILE_DIR"


def _role(argv: list[str]) -> str | None:
    """Which process this is, from its original command line; None for one not profiled."""
    # `python -u -m pulumi.dynamic` and `python -u .../pulumi-language-python-exec --project ..`;
    # the language host names the exec script further on, as an argument of its own.
    head = argv[1:4]
    if "pulumi.dynamic" in head:
        return "provider-host"
    if any(arg.endswith("pulumi-language-python-exec") for arg in head[:2]):
        return "program"
    return None


def _start(directory: str, role: str) -> None:
    import atexit
    import cProfile
    import threading
    import time

    profilers: list[cProfile.Profile] = []
    lock = threading.Lock()

    def new_profiler() -> cProfile.Profile:
        profiler = cProfile.Profile(time.thread_time)
        with lock:
            profilers.append(profiler)
        return profiler

    original = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def bootstrap_inner(self: threading.Thread) -> None:
        profiler = new_profiler()
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()

    threading.Thread._bootstrap_inner = bootstrap_inner  # type: ignore[attr-defined]
    main = new_profiler()

    def dump() -> None:
        import pstats

        main.disable()
        with lock:
            done = list(profilers)
        stats = pstats.Stats(*done)
        stats.dump_stats(os.path.join(directory, f"{role}-{os.getpid()}.prof"))

    atexit.register(dump)
    main.enable()


_directory = os.environ.get(PROFILE_DIR_VARIABLE)
_this_role = _role(list(getattr(sys, "orig_argv", sys.argv)))
if _directory and _this_role:
    _start(_directory, _this_role)
