"""How close a CA is to expiry, and the warning both faces print while it is."""

from __future__ import annotations

from datetime import UTC, datetime

DEFAULT_EXPIRY_WARNING_DAYS = 30


def days_until(not_after: datetime | None, now: datetime | None = None) -> int | None:
    return None if not_after is None else (not_after - (now or datetime.now(UTC))).days


def expiry_warning(not_after: datetime | None, within: int | None) -> str | None:
    """The warning for a CA expiring within `within` days (None: never warn). An expired CA
    fails check instead: an error, not a warning."""
    days = days_until(not_after)
    if within is None or not_after is None or days is None or not 0 <= days <= within:
        return None
    return (
        f"the CA certificate expires in {days} days ({not_after.isoformat()}); "
        "rotate it: trust its successor beside it, then remove this one (docs/guides/rotation.md)"
    )
