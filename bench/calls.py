"""What the emulator saw during one measured command: ARM calls by operation, and when.

The request log stamps each entry when its answer is ready (after the injected latency), so the
first and last stamps bracket the command's ARM traffic: before the first is start-up, after the
last is the command winding down.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from azure_iot_emulator.testing import AdminClient


@dataclass(frozen=True)
class CallSummary:
    """ARM calls of one command; times are seconds after the command started."""

    arm: Counter[str]
    writes: int
    other: Counter[str]
    first_answer_s: float | None
    last_answer_s: float | None
    failures: int
    # ARM calls refused with 429 (ARM's throttle or an injected one), by operation; also
    # counted in `arm` and `failures`.
    throttled: Counter[str] = field(default_factory=Counter)

    @property
    def admitted(self) -> Counter[str]:
        """ARM calls by operation, less those refused with 429: the calls that did the work."""
        return self.arm - self.throttled

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
    throttled: Counter[str] = Counter()
    for entry in entries:
        operation = str(entry.get("operation") or f"{entry['method']} (unrouted)")
        if str(entry["path"]).lower().startswith("/subscriptions"):
            arm[operation] += 1
            writes += entry["method"] != "GET"
            stamps.append(datetime.fromisoformat(entry["time"]).timestamp() - started_at)
            status = entry.get("status")
            if status is None or int(status) >= 400:
                failures += 1
            if status is not None and int(status) == 429:
                throttled[operation] += 1
        else:
            other[operation] += 1
    return CallSummary(
        arm=arm,
        writes=writes,
        other=other,
        first_answer_s=min(stamps, default=None),
        last_answer_s=max(stamps, default=None),
        failures=failures,
        throttled=throttled,
    )


class RequestLogWatch:
    """The emulator's request log over one command, however many calls it makes.

    The emulator keeps only its last 10,000 entries, fewer than a fleet's `up` under the
    throttle makes (the floor's: 3,000 calls and ~8,000 429s). So the log is read every
    `interval_s` seconds while the command runs, and the entries are merged by their sequence
    number (never repeated within an emulator process); a gap in the numbers between two reads
    means entries were lost, and `lost` says so.
    """

    def __init__(self, admin: AdminClient, interval_s: float = 3.0) -> None:
        self._admin = admin
        self._interval_s = interval_s
        self._entries: dict[int, dict[str, Any]] = {}
        self._last_seq: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="request-log", daemon=True)
        self.lost = False

    def _read(self) -> None:
        fresh = [e for e in self._admin.requests() if e["seq"] > (self._last_seq or 0)]
        if fresh and self._last_seq is not None and fresh[0]["seq"] != self._last_seq + 1:
            self.lost = True
        for entry in fresh:
            self._entries[entry["seq"]] = entry
        if fresh:
            self._last_seq = fresh[-1]["seq"]

    def _poll(self) -> None:
        while not self._stop.wait(self._interval_s):
            self._read()

    def __enter__(self) -> RequestLogWatch:
        self._admin.clear_requests()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()

    @property
    def entries(self) -> list[dict[str, Any]]:
        """Every entry seen, oldest first."""
        return [self._entries[seq] for seq in sorted(self._entries)]
