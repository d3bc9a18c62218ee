"""The request log tests read through ``GET /_emulator/requests``.

Kept in memory (it is a test aid, not state): sequence numbers never repeat within a process,
even across a reset, so a test can tell old entries from new ones.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from azure_iot_emulator.wire import utcnow

MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class LogEntry:
    """One handled request. ``dropped``: no answer reached the client; ``status`` is then None,
    or what it was not given (a request applied and its answer lost)."""

    seq: int
    time: str
    method: str
    path: str
    operation: str | None
    certificate_name: str | None
    status: int | None
    api_version: str | None
    dropped: bool


class RequestLog:
    """Append-only, bounded, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LogEntry] = deque(maxlen=MAX_ENTRIES)
        self._seq = 0

    def record(
        self,
        method: str,
        path: str,
        operation: str | None,
        certificate_name: str | None,
        status: int | None,
        api_version: str | None,
        dropped: bool = False,
    ) -> LogEntry:
        """Append an entry and return it."""
        with self._lock:
            self._seq += 1
            entry = LogEntry(
                self._seq,
                utcnow().isoformat(),
                method,
                path,
                operation,
                certificate_name,
                status,
                api_version,
                dropped,
            )
            self._entries.append(entry)
            return entry

    def entries(self) -> list[dict[str, Any]]:
        """All entries, oldest first."""
        with self._lock:
            return [asdict(e) for e in self._entries]

    def clear(self) -> None:
        """Forget all entries (sequence numbers keep counting)."""
        with self._lock:
            self._entries.clear()
