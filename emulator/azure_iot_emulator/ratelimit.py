"""ARM's request limits: the ``x-ms-ratelimit-remaining-*`` headers, and, when turned on, the
token-bucket throttle ARM has applied since 2024.

Two models, one of them active at a time:

* :class:`RateLimits` (the default): hourly budgets that are only reported, never enforced.
  Every recorded ARM answer carries one header: ``x-ms-ratelimit-remaining-subscription-reads``
  on a GET (11999, 11998, ... in Azure/azure-sdk-for-net recordings), ``-writes`` on a PUT or
  POST (1199, 1198, ... also in azure-cli's), ``-deletes`` on a DELETE (14999): the budgets
  Microsoft documented per subscription and hour before 2024 (12000 reads, 1200 writes, 15000
  deletes). Counted in a fixed hour from the first call [guess: window].
* :class:`ArmThrottle` (seed ``arm_throttle`` or the admin API): token buckets per subscription,
  per principal and per kind of call, and a subscription-wide ("global") bucket 15 times a
  principal's [doc] learn.microsoft.com/azure/azure-resource-manager/management/
  request-limits-and-throttling. A call takes one token from both; when either is empty it is
  refused with 429 and ``Retry-After``, and takes none [guess: an empty bucket costs the other
  nothing]. The answer reports both buckets: ``x-ms-ratelimit-remaining-subscription-<kind>``
  (the principal's) and ``x-ms-ratelimit-remaining-subscription-global-<kind>`` (the
  subscription's), as recorded answers of 2025-2026 do (249 and 3749 after one read, 199 and
  2999 after one write). Tenant-level calls (no subscription in the path) use one bucket per
  principal and tenant with the principal's sizes [guess].
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from azure_iot_emulator.arm.exceptions import SubscriptionRequestsThrottled, TenantRequestsThrottled

WINDOW_S = 3600.0
BUDGETS = {"reads": 12000, "writes": 1200, "deletes": 15000}
KINDS = ("reads", "writes", "deletes")
_SUBSCRIPTION = re.compile(r"^/subscriptions/(?P<id>[^/?]+)", re.IGNORECASE)


def budget_kind(method: str) -> str:
    """Which budget a request spends: reads (GET, HEAD), deletes, or writes (PUT, POST, PATCH)."""
    verb = method.upper()
    if verb in ("GET", "HEAD"):
        return "reads"
    if verb == "DELETE":
        return "deletes"
    return "writes"


def subscription_of(path: str) -> str | None:
    """The subscription id of an ARM path, or None for a tenant-level path (``/subscriptions``)."""
    found = _SUBSCRIPTION.match(path)
    return found["id"] if found else None


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
        subscription = subscription_of(path)
        level, scope = ("subscription", subscription.lower()) if subscription else ("tenant", "")
        kind = budget_kind(method)
        now = self._clock()
        with self._lock:
            window = self._windows.get(scope)
            if window is None or now - window.started >= WINDOW_S:
                window = self._windows[scope] = _Window(now)
            window.used[kind] = window.used.get(kind, 0) + 1
            remaining = max(BUDGETS[kind] - window.used[kind], 0)
        return {f"x-ms-ratelimit-remaining-{level}-{kind}": str(remaining)}


class ThrottleConfigError(ValueError):
    """An ``arm_throttle`` setting that cannot be honoured (a seed error, or 400 from the admin
    API)."""


@dataclass(frozen=True)
class BucketSize:
    """One principal's bucket for one kind of call: how many tokens it holds when full and how
    many it gains per second."""

    bucket: int
    refill_per_s: float


@dataclass(frozen=True)
class ThrottleLimits:
    """The buckets of a principal per kind of call; a subscription's are ``global_factor`` times
    as large and refill that many times as fast. The defaults are ARM's documented numbers."""

    reads: BucketSize = BucketSize(250, 25.0)
    writes: BucketSize = BucketSize(200, 10.0)
    deletes: BucketSize = BucketSize(200, 10.0)
    global_factor: float = 15.0

    def of(self, kind: str) -> BucketSize:
        """The principal's bucket for ``kind`` (reads, writes or deletes)."""
        size: BucketSize = getattr(self, kind)
        return size

    def to_json(self) -> dict[str, Any]:
        """The settings as the seed and the admin API write them."""
        return asdict(self)

    @classmethod
    def parse(cls, value: Any, where: str = "arm_throttle") -> ThrottleLimits:
        """``"documented"``, or an object whose missing members keep the documented numbers:
        ``{"reads"|"writes"|"deletes": {"bucket", "refill_per_s"}, "global_factor"}``."""
        if value == "documented":
            return cls()
        if not isinstance(value, Mapping):
            raise ThrottleConfigError(f"'{where}' must be \"documented\" or an object")
        unknown = set(value) - {*KINDS, "global_factor"}
        if unknown:
            raise ThrottleConfigError(f"'{where}': unknown settings {sorted(unknown)}")
        sizes = {kind: _bucket(value[kind], f"{where}.{kind}") for kind in KINDS if kind in value}
        documented = cls()
        limits = cls(
            sizes.get("reads", documented.reads),
            sizes.get("writes", documented.writes),
            sizes.get("deletes", documented.deletes),
            _number(value.get("global_factor", documented.global_factor), f"{where}.global_factor"),
        )
        if any(not limits.of(kind).bucket * limits.global_factor >= 1 for kind in KINDS):
            raise ThrottleConfigError(
                f"'{where}.global_factor' must be > 0 and leave every subscription bucket at "
                "least one token"
            )
        return limits


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ThrottleConfigError(f"'{where}' must be a number")
    return float(value)


def _bucket(value: Any, where: str) -> BucketSize:
    if not isinstance(value, Mapping) or set(value) != {"bucket", "refill_per_s"}:
        raise ThrottleConfigError(f"'{where}' must be an object with bucket and refill_per_s")
    bucket = _number(value["bucket"], f"{where}.bucket")
    refill = _number(value["refill_per_s"], f"{where}.refill_per_s")
    if bucket < 1 or bucket != int(bucket) or not refill > 0:
        raise ThrottleConfigError(
            f"'{where}': bucket must be a whole number >= 1 and refill_per_s > 0"
        )
    return BucketSize(int(bucket), refill)


class TokenBucket:
    """A token bucket refilled continuously: ``capacity`` tokens when full, ``rate`` per second.

    Not thread-safe by itself: :class:`ArmThrottle` holds its lock around every use.
    """

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self._tokens = capacity
        self._stamp = now

    def tokens(self, now: float) -> float:
        """The tokens held at ``now`` (refilled since the last look, never above capacity)."""
        if now > self._stamp:
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
        return self._tokens

    def wait_s(self, now: float) -> float:
        """Seconds until a whole token is held (0 if one is held now)."""
        return max(0.0, (1.0 - self.tokens(now)) / self.rate)

    def take(self, now: float) -> None:
        """Spend one token (the caller checked :meth:`wait_s` is 0)."""
        self._tokens = self.tokens(now) - 1.0


@dataclass(frozen=True)
class _Key:
    level: str  # "subscription", "global" or "tenant"
    scope: str  # the subscription or tenant id, lower case
    principal: str  # object id, lower case; "" for the subscription-wide bucket
    kind: str


_SINGULAR = {"reads": "read", "writes": "write", "deletes": "delete"}


class ArmThrottle:
    """ARM's token-bucket throttle; off (admits everything, reports nothing) until configured.

    Thread-safe: one lock around every bucket; ``clock`` is monotonic seconds (injectable).
    """

    def __init__(
        self, limits: ThrottleLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._limits = limits
        self._buckets: dict[_Key, TokenBucket] = {}

    @property
    def enabled(self) -> bool:
        """Whether the throttle is on (the hourly headers of :class:`RateLimits` apply if not)."""
        return self._limits is not None

    def configure(self, limits: ThrottleLimits | None) -> None:
        """New limits (None: off); every bucket starts full again."""
        with self._lock:
            self._limits = limits
            self._buckets.clear()

    def snapshot(self) -> dict[str, Any]:
        """``{"enabled": false}`` or the limits in force, for the admin API."""
        limits = self._limits
        return {"enabled": False} if limits is None else {"enabled": True, **limits.to_json()}

    def admit(
        self, method: str, principal_id: str, tenant_id: str, subscription_id: str | None
    ) -> dict[str, str]:
        """Spend a token of this call's kind from the principal's bucket and the subscription's,
        and return the headers reporting both; raise ARM's 429 when either is empty.

        ``subscription_id`` None is a tenant-level call (one bucket per principal and tenant).
        """
        limits = self._limits
        if limits is None:
            return {}
        kind = budget_kind(method)
        size = limits.of(kind)
        principal = principal_id.lower()
        names: list[str]
        keys: list[_Key]
        if subscription_id is None:
            names = [f"tenant-{kind}"]
            keys = [_Key("tenant", tenant_id.lower(), principal, kind)]
        else:
            scope = subscription_id.lower()
            names = [f"subscription-{kind}", f"subscription-global-{kind}"]
            keys = [_Key("subscription", scope, principal, kind), _Key("global", scope, "", kind)]
        now = self._clock()
        with self._lock:
            buckets = [self._bucket(key, size, limits.global_factor, now) for key in keys]
            waits = [bucket.wait_s(now) for bucket in buckets]
            if max(waits) == 0:
                for bucket in buckets:
                    bucket.take(now)
            remaining = [str(max(0, math.floor(bucket.tokens(now)))) for bucket in buckets]
        headers = {
            f"x-ms-ratelimit-remaining-{name}": value
            for name, value in zip(names, remaining, strict=True)
        }
        if max(waits) == 0:
            return headers
        retry_after = math.ceil(max(waits))
        if subscription_id is None:
            raise TenantRequestsThrottled(
                _SINGULAR[kind], tenant_id, principal_id, retry_after, headers
            )
        # The principal's own bucket names the actor, as ARM's message does; an empty
        # subscription-wide bucket is nobody's in particular [guess: that message's wording].
        actor = principal_id if waits[0] > 0 else None
        raise SubscriptionRequestsThrottled.for_bucket(
            _SINGULAR[kind], subscription_id, actor, retry_after, headers
        )

    def _bucket(self, key: _Key, size: BucketSize, factor: float, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            scale = factor if key.level == "global" else 1.0
            bucket = TokenBucket(size.bucket * scale, size.refill_per_s * scale, now)
            self._buckets[key] = bucket
        return bucket
