"""The bench's world: an emulator seeded with five hubs (or as many as a fleet needs), and N
throw-away CAs spread over them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure_iot_emulator.testing import EmulatorInfo, EmulatorProcess
from tests.pki import make_ca
from tests.pop_provider.engine import hub_id

HUBS = 5
TENANT = "7e1a0000-0000-4000-8000-0000000be7c1"
SUBSCRIPTION = "00000000-0000-0000-0000-0000000be7c1"
RESOURCE_GROUP = "rg-pop-bench"
# The emulator's per-hub CA cap is a [guess] of 25; the bench raises it so the largest size fits
# on five hubs twice over (room for leftovers of an interrupted run).
DEFAULT_HUB_LIMIT = 25


@dataclass(frozen=True)
class BenchCa:
    """One CA to trust: its files on disk and the hub it goes to."""

    name: str
    hub: str
    certificate_file: Path
    key_file: Path


def hub_limit(max_certificates: int) -> int:
    """The per-hub CA cap the seed sets for a run whose largest size is `max_certificates`."""
    return max(DEFAULT_HUB_LIMIT, 2 * math.ceil(max_certificates / HUBS))


def write_seed(
    path: Path,
    max_certificates: int,
    *,
    hubs: int = HUBS,
    per_hub: int | None = None,
    arm_throttle: dict[str, Any] | str | None = None,
) -> Path:
    """A seed with one subscription, one resource group, `hubs` hubs and a Contributor principal.

    The per-hub CA cap is `per_hub`, else `hub_limit(max_certificates)`; `arm_throttle` turns
    ARM's token-bucket throttle on from the start (`"documented"`, or the emulator's settings
    object), every bucket full.
    """
    seed: dict[str, Any] = {
        "tenants": [{"tenant_id": TENANT, "display_name": "bench"}],
        "subscriptions": [
            {
                "subscription_id": SUBSCRIPTION,
                "tenant_id": TENANT,
                "resource_groups": [
                    {
                        "name": RESOURCE_GROUP,
                        "location": "westeurope",
                        "iot_hubs": [f"hub-pop-bench-{i}" for i in range(1, hubs + 1)],
                    }
                ],
            }
        ],
        "service_principals": [
            {
                "tenant_id": TENANT,
                "client_id": "be7c0000-0000-4000-8000-000000000001",
                "client_secret": "emulator-secret-bench",
                "display_name": "sp-bench",
                "role_assignments": [
                    {"role": "Contributor", "scope": f"/subscriptions/{SUBSCRIPTION}"}
                ],
            }
        ],
        "limits": {"iothub_max_certificates": per_hub or hub_limit(max_certificates)},
    }
    if arm_throttle is not None:
        seed["arm_throttle"] = arm_throttle
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(seed, indent=2))
    return path


def start_emulator(
    workdir: Path, max_certificates: int, **seed_options: Any
) -> tuple[EmulatorProcess, EmulatorInfo]:
    """A fresh emulator on the bench seed (`seed_options` as `write_seed` takes them); the caller
    stops the process."""
    seed = write_seed(workdir / "seed.json", max_certificates, **seed_options)
    process = EmulatorProcess(workdir / "emulator", seed=seed)
    return process, process.start()


def make_cas(directory: Path, count: int, info: EmulatorInfo) -> list[BenchCa]:
    """`count` distinct EC P-256 root CAs, PEM files under `directory`, round-robin over hubs."""
    directory.mkdir(parents=True, exist_ok=True)
    cas = []
    for index in range(count):
        name = f"bench-ca-{index:03d}"
        ca = make_ca(f"pop-provider bench CA {index}")
        certificate_file = directory / f"{name}.pem"
        key_file = directory / f"{name}.key"
        certificate_file.write_text(ca.certificate_pem)
        key_file.write_text(ca.private_key_pem)
        cas.append(
            BenchCa(name, info.iot_hubs[index % len(info.iot_hubs)], certificate_file, key_file)
        )
    return cas


def ca_hub_id(info: EmulatorInfo, ca: BenchCa) -> str:
    """The ARM id of the hub `ca` goes to."""
    return hub_id(info, ca.hub)


def proof_entries(info: EmulatorInfo, cas: list[BenchCa]) -> list[dict[str, object]]:
    """The stack config's `certificates`: one proof-mode entry per CA, on its hub."""
    return [
        {
            "name": ca.name,
            "hubId": ca_hub_id(info, ca),
            "mode": "proof",
            "certificateFile": str(ca.certificate_file),
            "privateKeyFile": str(ca.key_file),
        }
        for ca in cas
    ]
