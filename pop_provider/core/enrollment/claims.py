"""One owner per enrollment group id per DPS, within a deployment: the claims check records,
as Declarations (pop_provider.core.ownership) does for CA certificates."""

from __future__ import annotations

import threading


class GroupClaims:
    """Which resource declares which group id on which DPS, in one provider process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owners: dict[tuple[str, str], str] = {}

    def claim(self, dps_id: str, group_id: str, owner: str) -> str | None:
        """Record `owner`'s claim; the other owner already holding the same id, if any."""
        key = (dps_id.lower(), group_id.lower())
        with self._lock:
            held = self._owners.setdefault(key, owner)
        return None if held == owner else held
