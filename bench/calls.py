"""What the emulator saw during one measured command: ARM calls by operation, and when.

The request log stamps each entry when its answer is ready (after the injected latency), so the
first and last stamps bracket the command's ARM traffic: before the first is start-up, after the
last is the command winding down.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CallSummary:
    """ARM calls of one command; times are seconds after the command started."""

    arm: Counter[str]
    writes: int
    other: Counter[str]
    first_answer_s: float | None
    last_answer_s: float | None
    failures: int

    @property
    def total(self) -> int:
        """All ARM calls."""
        return sum(self.arm.values())

    @property
    def span_s(self) -> float | None:
        """From the first ARM answer to the last."""
        if self.first_answer_s is None or self.last_answer_s is None:
            return None
        return self.last_answer_s - self.first_answer_s


def summarize(entries: list[dict[str, Any]], started_at: float) -> CallSummary:
    """Summarize request-log entries of a command that started at `started_at` (epoch seconds).

    ARM calls are those under /subscriptions; token-service calls are counted apart. Writes are
    ARM calls other than GET (PUT, DELETE, and the POST actions generateVerificationCode, verify).
    """
    arm: Counter[str] = Counter()
    writes = 0
    other: Counter[str] = Counter()
    stamps: list[float] = []
    failures = 0
    for entry in entries:
        operation = str(entry.get("operation") or f"{entry['method']} (unrouted)")
        if str(entry["path"]).lower().startswith("/subscriptions"):
            arm[operation] += 1
            writes += entry["method"] != "GET"
            stamps.append(datetime.fromisoformat(entry["time"]).timestamp() - started_at)
            status = entry.get("status")
            if status is None or int(status) >= 400:
                failures += 1
        else:
            other[operation] += 1
    return CallSummary(
        arm=arm,
        writes=writes,
        other=other,
        first_answer_s=min(stamps, default=None),
        last_answer_s=max(stamps, default=None),
        failures=failures,
    )
