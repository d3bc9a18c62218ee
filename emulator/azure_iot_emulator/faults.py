"""Fault injection, off by default: latency, random 429/5xx/dropped connections, scripted failures.

Random faults are drawn per call sequence: the n-th call of an operation on a certificate draws
from a generator seeded with (seed, operation, certificate name, n). So a run sees the same faults
every time whatever the order in which concurrent requests arrive (the engine creates resources
in parallel), and a new seed is a new, equally repeatable, pattern. The same faults need the same
certificate names: pop-provider's generated names hash the CA's thumbprint, so a test that makes
fresh CAs (new keys, serials, validity) gets a new pattern each time, whatever the seed. Calls
that name no certificate (a hub's list) share one sequence per operation. Scripted failures are
deterministic: "fail the next N calls of operation X (for certificate Y)".
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from azure_iot_emulator.arm.exceptions import InjectedServerError, SubscriptionRequestsThrottled
from azure_iot_emulator.wire import ArmError, RawError, ResourceProviderError, WireError


class FaultConfigError(ValueError):
    """An invalid fault setting (the admin API answers 400)."""


@dataclass
class RandomFaults:
    """Fractions are probabilities per ARM call, in [0, 1]; their sum must not exceed 1."""

    latency_ms: int = 0
    throttle_fraction: float = 0.0
    error_fraction: float = 0.0
    error_status: int = 500
    drop_fraction: float = 0.0
    retry_after_s: int = 1
    seed: int = 0

    def validate(self) -> None:
        """Reject settings that cannot be honoured."""
        fractions = (self.throttle_fraction, self.error_fraction, self.drop_fraction)
        if any(not 0.0 <= f <= 1.0 for f in fractions) or sum(fractions) > 1.0 + 1e-9:
            raise FaultConfigError("fractions must be in [0, 1] and sum to at most 1")
        if self.latency_ms < 0 or self.retry_after_s < 0:
            raise FaultConfigError("latency_ms and retry_after_s must be >= 0")
        if not 500 <= self.error_status <= 599:
            raise FaultConfigError("error_status must be a 5xx status")


@dataclass
class ScriptedFailure:
    """Fail the next ``times`` calls of ``operation`` (optionally for one certificate name)."""

    operation: str
    status: int
    code: int | str | None = None
    message: str | None = None
    times: int = 1
    certificate_name: str | None = None
    body: Any = None
    retry_after_s: int | None = None  # the Retry-After header; 0 for a 429 or 503 if not given

    def matches(self, operation: str | None, certificate_name: str | None) -> bool:
        """Operation ids and certificate names compare case-insensitively."""
        if operation is None or operation.lower() != self.operation.lower():
            return False
        if self.certificate_name is None:
            return True
        return (certificate_name or "").lower() == self.certificate_name.lower()

    def to_error(self) -> WireError:
        """The scripted answer: RP shape for a numeric code, ARM envelope for a string code."""
        headers = {}
        if self.retry_after_s is not None:
            headers["retry-after"] = str(int(self.retry_after_s))
        elif self.status in (429, 503):
            headers["retry-after"] = "0"
        if self.body is not None:
            return RawError(self.status, self.body, headers)
        message = self.message or "Injected failure."
        if isinstance(self.code, int):
            error: ResourceProviderError = ResourceProviderError(message)
            error.status, error.code = self.status, self.code
            return RawError(self.status, error.body(), headers)
        arm = ArmError(message)
        arm.status = self.status
        arm.code = self.code or "InjectedFailure"
        return RawError(self.status, arm.body(), headers)


@dataclass(frozen=True)
class Decision:
    """What to do with one request: wait, then drop it, answer an error, or serve it."""

    latency_ms: int = 0
    drop: bool = False
    error: WireError | None = None


@dataclass
class FaultInjector:
    """Thread-safe holder of the fault configuration and its RNG."""

    faults: RandomFaults = field(default_factory=RandomFaults)
    scripted: list[ScriptedFailure] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[tuple[str, str]] = Counter()
        self.faults.validate()

    def configure(self, **settings: Any) -> None:
        """Change random-fault settings (unknown names are an error) and reseed the RNG."""
        with self._lock:
            current = asdict(self.faults)
            unknown = set(settings) - set(current)
            if unknown:
                raise FaultConfigError(f"unknown fault settings: {sorted(unknown)}")
            current.update(settings)
            try:
                candidate = RandomFaults(**current)
                candidate.latency_ms = int(candidate.latency_ms)
                candidate.error_status = int(candidate.error_status)
                candidate.retry_after_s = int(candidate.retry_after_s)
                candidate.seed = int(candidate.seed)
                for name in ("throttle_fraction", "error_fraction", "drop_fraction"):
                    setattr(candidate, name, float(getattr(candidate, name)))
            except (TypeError, ValueError) as exc:
                raise FaultConfigError(str(exc)) from exc
            candidate.validate()
            self.faults = candidate
            self._calls.clear()

    def add_scripted(self, failure: ScriptedFailure) -> None:
        """Queue a scripted failure."""
        if failure.times < 1 or not 400 <= failure.status <= 599:
            raise FaultConfigError("times must be >= 1 and status a 4xx/5xx")
        with self._lock:
            self.scripted.append(failure)

    def clear(self) -> None:
        """All faults off, scripted failures dropped."""
        with self._lock:
            self.faults = RandomFaults(seed=self.faults.seed)
            self.scripted.clear()
            self._calls.clear()

    def snapshot(self) -> dict[str, Any]:
        """The current configuration, for the admin API."""
        with self._lock:
            return {
                **asdict(self.faults),
                "scripted": [asdict(s) for s in self.scripted],
            }

    def decide(self, operation: str | None, certificate_name: str | None, is_arm: bool) -> Decision:
        """Scripted failures first (any operation, including Token); random ones for ARM only."""
        with self._lock:
            for failure in self.scripted:
                if failure.matches(operation, certificate_name):
                    failure.times -= 1
                    if failure.times <= 0:
                        self.scripted.remove(failure)
                    latency = self.faults.latency_ms if is_arm else 0
                    return Decision(latency_ms=latency, error=failure.to_error())
            if not is_arm:
                return Decision()
            faults = self.faults
            draw = self._draw(operation or "", (certificate_name or "").lower())
            if draw < faults.drop_fraction:
                return Decision(latency_ms=faults.latency_ms, drop=True)
            draw -= faults.drop_fraction
            if draw < faults.throttle_fraction:
                return Decision(
                    latency_ms=faults.latency_ms,
                    error=SubscriptionRequestsThrottled(faults.retry_after_s),
                )
            draw -= faults.throttle_fraction
            if draw < faults.error_fraction:
                return Decision(
                    latency_ms=faults.latency_ms, error=InjectedServerError(faults.error_status)
                )
            return Decision(latency_ms=faults.latency_ms)

    def _draw(self, operation: str, certificate_name: str) -> float:
        """The draw of this call: a function of the seed and of how many calls of this operation
        on this certificate came before it (the lock is held)."""
        key = (operation, certificate_name)
        count = self._calls[key]
        self._calls[key] += 1
        return random.Random(f"{self.faults.seed}/{operation}/{certificate_name}/{count}").random()
