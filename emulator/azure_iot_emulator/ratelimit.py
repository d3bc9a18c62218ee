"""ARM's request budgets and the ``x-ms-ratelimit-remaining-*`` headers that report them.

Every recorded ARM answer carries one: ``x-ms-ratelimit-remaining-subscription-reads`` on a GET
(11999, 11998, ... in Azure/azure-sdk-for-net recordings), ``-writes`` on a PUT or POST (1199,
1198, ... also in azure-cli's), ``-deletes`` on a DELETE (14999). Those are the budgets Microsoft
documents per subscription and hour (12000 reads, 1200 writes, 15000 deletes; tenant-level calls
count against the tenant's). The emulator counts calls in a fixed hour from the first one and
only reports what is left: it never throttles on its own (fault injection does) [guess: window].
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_S = 3600.0
BUDGETS = {"reads": 12000, "writes": 1200, "deletes": 15000}
_SUBSCRIPTION = re.compile(r"^/subscriptions/(?P<id>[^/?]+)", re.IGNORECASE)


def budget_kind(method: str) -> str:
    """Which budget a request spends: reads (GET, HEAD), deletes, or writes (PUT, POST, PATCH)."""
    verb = method.upper()
    if verb in ("GET", "HEAD"):
        return "reads"
    if verb == "DELETE":
        return "deletes"
    return "writes"


@dataclass
class _Window:
    started: float
    used: dict[str, int] = field(default_factory=dict)


class RateLimits:
    """Per subscription (or tenant) and kind: how many calls are left in the current hour."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def spend(self, method: str, path: str) -> dict[str, str]:
        """Count one ARM call and return the header naming what is left of its budget."""
        found = _SUBSCRIPTION.match(path)
        level, scope = ("subscription", found["id"].lower()) if found else ("tenant", "")
        kind = budget_kind(method)
        now = self._clock()
        with self._lock:
            window = self._windows.get(scope)
            if window is None or now - window.started >= WINDOW_S:
                window = self._windows[scope] = _Window(now)
            window.used[kind] = window.used.get(kind, 0) + 1
            remaining = max(BUDGETS[kind] - window.used[kind], 0)
        return {f"x-ms-ratelimit-remaining-{level}-{kind}": str(remaining)}
