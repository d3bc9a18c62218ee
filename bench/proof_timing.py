"""Time to build and sign one proof-of-possession certificate, per supported key type."""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time
from dataclasses import dataclass

from pop_provider.core.proof import build_proof_certificate
from pop_provider.core.signers import LocalKeySigner
from tests.pki import SUPPORTED_KEY_TYPES, KeyType, make_ca

# A verification code as the hub hands them out: 48 uppercase hex digits.
CODE = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
TARGET_US = 5000.0


@dataclass(frozen=True)
class ProofTiming:
    """Microseconds per `build_proof_certificate` call for one key type."""

    key_type: KeyType
    iterations: int
    median_us: float
    p95_us: float
    min_us: float


def time_proof(key_type: KeyType, budget_s: float = 0.5, max_iterations: int = 500) -> ProofTiming:
    """Build proofs for `key_type` until `budget_s` or `max_iterations` (at least 20)."""
    ca = make_ca(f"proof timing {key_type.value}", key_type=key_type)
    signer = LocalKeySigner(ca.key)
    for _ in range(3):  # warm up: first calls pay for lazy imports and OpenSSL table setup
        build_proof_certificate(ca.certificate, signer, CODE)
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < max_iterations and (len(samples) < 20 or time.perf_counter() < deadline):
        start = time.perf_counter_ns()
        build_proof_certificate(ca.certificate, signer, CODE)
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return ProofTiming(
        key_type=key_type,
        iterations=len(samples),
        median_us=statistics.median(samples),
        p95_us=samples[min(len(samples) - 1, int(len(samples) * 0.95))],
        min_us=samples[0],
    )


def time_proofs(budget_s: float = 0.5) -> list[ProofTiming]:
    """`time_proof` for every key type Azure accepts."""
    return [time_proof(key_type, budget_s) for key_type in SUPPORTED_KEY_TYPES]


def profile_proof(key_type: KeyType, iterations: int = 50, top: int = 12) -> str:
    """cProfile of `iterations` proof builds for `key_type`: the top functions by own time."""
    ca = make_ca(f"proof profile {key_type.value}", key_type=key_type)
    signer = LocalKeySigner(ca.key)
    build_proof_certificate(ca.certificate, signer, CODE)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(iterations):
        build_proof_certificate(ca.certificate, signer, CODE)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()
