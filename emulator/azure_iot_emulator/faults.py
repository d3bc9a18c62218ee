"""Fault injection, off by default: latency, random 429/5xx/dropped connections, scripted faults.

Random faults are drawn per call sequence: the n-th call of an operation on a certificate draws
from a generator seeded with (seed, operation, certificate name, n). So a run sees the same faults
every time whatever the order in which concurrent requests arrive (the engine creates resources
in parallel), and a new seed is a new, equally repeatable, pattern. The same faults need the same
certificate names: pop-provider's generated names hash the CA's thumbprint, so a test that makes
fresh CAs (new keys, serials, validity) gets a new pattern each time, whatever the seed. Calls
that name no certificate (a hub's list) share one sequence per operation. Scripted faults are
deterministic: "fail the next N calls of operation X (for certificate Y)", "apply them but lose
the answer" (drop after apply), or "hold them open until the test releases them" (a test waits
until N are held, without sleeping, then releases them served, failed or dropped).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
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


def _matches(
    scripted_operation: str,
    scripted_certificate: str | None,
    operation: str | None,
    certificate_name: str | None,
) -> bool:
    """Operation ids and certificate names compare case-insensitively; no certificate name in
    the script matches any call of the operation."""
    if operation is None or operation.lower() != scripted_operation.lower():
        return False
    if scripted_certificate is None:
        return True
    return (certificate_name or "").lower() == scripted_certificate.lower()


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
        return _matches(self.operation, self.certificate_name, operation, certificate_name)

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


@dataclass
class ScriptedHold:
    """Hold the next ``times`` calls of ``operation`` (optionally for one certificate name) open,
    unapplied, until the test releases them (:meth:`HeldRequests.release`)."""

    operation: str
    times: int = 1
    certificate_name: str | None = None

    def matches(self, operation: str | None, certificate_name: str | None) -> bool:
        """As :meth:`ScriptedFailure.matches`."""
        return _matches(self.operation, self.certificate_name, operation, certificate_name)


@dataclass
class ScriptedDropAfterApply:
    """Serve the next ``times`` calls of ``operation`` (optionally for one certificate name), so
    the request takes effect, then close the connection without the answer: a lost answer."""

    operation: str
    times: int = 1
    certificate_name: str | None = None

    def matches(self, operation: str | None, certificate_name: str | None) -> bool:
        """As :meth:`ScriptedFailure.matches`."""
        return _matches(self.operation, self.certificate_name, operation, certificate_name)


Scripted = ScriptedFailure | ScriptedHold | ScriptedDropAfterApply
_KINDS: dict[type[Any], str] = {
    ScriptedFailure: "failure",
    ScriptedHold: "hold",
    ScriptedDropAfterApply: "drop_after_apply",
}


@dataclass(frozen=True)
class Release:
    """How a held request goes on: served (the default), answered with ``error`` and never
    applied, or (``drop``) its connection closed without an answer and never applied.
    ``logged`` False leaves it out of the request log (a reset's: the log starts empty)."""

    error: WireError | None = None
    drop: bool = False
    logged: bool = True


class HeldRequest:
    """One request a scripted hold keeps open; the app awaits :meth:`released`."""

    def __init__(
        self,
        number: int,
        method: str,
        path: str,
        operation: str | None,
        certificate_name: str | None,
    ) -> None:
        self.number = number
        self.method = method
        self.path = path
        self.operation = operation
        self.certificate_name = certificate_name
        self._event = asyncio.Event()
        self._release = Release()

    def describe(self) -> dict[str, Any]:
        """What the admin API reports of it."""
        return {
            "number": self.number,
            "method": self.method,
            "path": self.path,
            "operation": self.operation,
            "certificate_name": self.certificate_name,
        }

    def release(self, how: Release) -> None:
        """Let the request go on, ``how`` says in what way."""
        self._release = how
        self._event.set()

    async def released(self) -> Release:
        """Wait until the test releases the request; how it goes on."""
        await self._event.wait()
        return self._release


class HeldRequests:
    """The requests scripted holds keep open, oldest first.

    Used only on the server's event loop (the app and the admin handlers both run there), so a
    test's wait is an asyncio wait on the next arrival, never a poll.
    """

    def __init__(self) -> None:
        self._held: list[HeldRequest] = []
        self._numbers = itertools.count(1)
        self._arrived = asyncio.Event()

    def hold(
        self, method: str, path: str, operation: str | None, certificate_name: str | None
    ) -> HeldRequest:
        """Register a request as held and wake whoever waits for it."""
        held = HeldRequest(next(self._numbers), method, path, operation, certificate_name)
        self._held.append(held)
        self._arrived.set()
        self._arrived = asyncio.Event()
        return held

    def describe(self) -> list[dict[str, Any]]:
        """Every held request, oldest first."""
        return [held.describe() for held in self._held]

    async def wait_for(self, count: int, timeout_s: float) -> bool:
        """Whether ``count`` requests are held at once before ``timeout_s`` seconds pass."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while len(self._held) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                return False
        return True

    def release(self, count: int | None, how: Release) -> list[dict[str, Any]]:
        """Release the oldest ``count`` held requests (all when None); what was released."""
        chosen = self._held if count is None else self._held[:count]
        self._held = self._held[len(chosen) :]
        for held in chosen:
            held.release(how)
        return [held.describe() for held in chosen]

    def forget(self, held: HeldRequest) -> None:
        """``held`` is held no longer (its client went away)."""
        if held in self._held:
            self._held.remove(held)


@dataclass(frozen=True)
class Decision:
    """What to do with one request: wait, then drop it, answer an error, hold it until the test
    releases it, or serve it (and, ``drop_after_apply``, lose the answer)."""

    latency_ms: int = 0
    drop: bool = False
    error: WireError | None = None
    hold: HeldRequest | None = None
    drop_after_apply: bool = False


@dataclass
class FaultInjector:
    """Thread-safe holder of the fault configuration and its RNG."""

    faults: RandomFaults = field(default_factory=RandomFaults)
    # In the order they were added: the first one a call matches is the one it meets.
    scripted: list[Scripted] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[tuple[str, str]] = Counter()
        self.held = HeldRequests()
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

    def add_scripted(self, scripted: Scripted) -> None:
        """Queue a scripted failure, hold or drop after apply."""
        if scripted.times < 1:
            raise FaultConfigError("times must be >= 1")
        if isinstance(scripted, ScriptedFailure) and not 400 <= scripted.status <= 599:
            raise FaultConfigError("status must be a 4xx/5xx")
        with self._lock:
            self.scripted.append(scripted)

    def clear(self) -> None:
        """All faults off, scripted faults dropped; held requests go on, served."""
        with self._lock:
            self.faults = RandomFaults(seed=self.faults.seed)
            self.scripted.clear()
            self._calls.clear()
            self.held.release(None, Release())

    def reset(self, faults: RandomFaults, scripted: list[Scripted]) -> None:
        """Back to the faults a start gives (the seed's): held requests are dropped unapplied,
        so nothing a test held changes the state after the reset."""
        faults.validate()
        with self._lock:
            self.held.release(None, Release(drop=True, logged=False))
            self.faults = faults
            self.scripted = list(scripted)
            self._calls.clear()

    async def released(self, held: HeldRequest, gone: Callable[[], Awaitable[Any]]) -> Release:
        """How the test releases ``held``; if its client goes away first (``gone`` returns), it
        is held no longer and is dropped unapplied: "N requests held" counts clients waiting."""
        release = asyncio.ensure_future(held.released())
        left = asyncio.ensure_future(gone())
        done, _ = await asyncio.wait({release, left}, return_when=asyncio.FIRST_COMPLETED)
        if release in done:
            left.cancel()
            return release.result()
        release.cancel()
        with self._lock:
            self.held.forget(held)
        return Release(drop=True)

    def release_held(self, count: int | None, how: Release) -> list[dict[str, Any]]:
        """Release the oldest ``count`` held requests (all when None); what was released."""
        with self._lock:
            return self.held.release(count, how)

    def snapshot(self) -> dict[str, Any]:
        """The current configuration and what is held, for the admin API."""
        with self._lock:
            return {
                **asdict(self.faults),
                "scripted": [{"kind": _KINDS[type(s)], **asdict(s)} for s in self.scripted],
                "held": self.held.describe(),
            }

    def decide(
        self,
        operation: str | None,
        certificate_name: str | None,
        is_arm: bool,
        method: str = "",
        path: str = "",
    ) -> Decision:
        """Scripted faults first (any operation, including Token); random ones for ARM only."""
        with self._lock:
            for scripted in self.scripted:
                if scripted.matches(operation, certificate_name):
                    scripted.times -= 1
                    if scripted.times <= 0:
                        self.scripted.remove(scripted)
                    latency = self.faults.latency_ms if is_arm else 0
                    if isinstance(scripted, ScriptedHold):
                        held = self.held.hold(method, path, operation, certificate_name)
                        return Decision(latency_ms=latency, hold=held)
                    if isinstance(scripted, ScriptedDropAfterApply):
                        return Decision(latency_ms=latency, drop_after_apply=True)
                    return Decision(latency_ms=latency, error=scripted.to_error())
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
