"""The fleet's floor: a plain azure-mgmt-iothub script, every certificate at once, that honours
`Retry-After` for as long as ARM's throttle asks.

    python -m bench.fleet_floor_script create|list|delete SPEC RESULT

`create`: per certificate the same three writes as `bench.floor_script` (PUT, generate the
verification code, verify with a real proof). `list`: what a no-change `up` needs, one list per
hub. `delete`: what `destroy` does, one list per hub (its etags), then one DELETE per
certificate. SPEC is JSON: the emulator's startup info, the certificates (name, hub,
certificate_file, key_file) and `workers`; RESULT receives the call phase's duration.

Each call runs in its own thread, up to `workers` threads at once (SPEC; default one per
certificate). What bounds the script is meant to be ARM: azure-core's retry policy sleeps each
429's `Retry-After` and tries again, here with no cap on the attempts (the default gives up after
3 on a status). `bench.fleet` passes 100 workers: with one call taking 1 s and a throttled one 2 s
(its latency, then `Retry-After: 1`), 100 threads ask for 50 to 100 writes a second where ARM
grants 10, so the bucket is never left unused; a thread per certificate (1,000) instead spent
two thirds of this 2-core machine's CPU in the kernel switching threads and reached 8.7 admitted
writes a second. The HTTP connection pool holds one connection per thread, so a retry reuses its
connection instead of opening a new TLS session.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from azure.core.pipeline.transport import RequestsTransport
from azure.mgmt.iothub import IotHubClient
from requests.adapters import HTTPAdapter

from azure_iot_emulator.testing import EmulatorInfo, client_kwargs, management_credential
from bench.floor_script import create_one

# Attempts per call on a 429 or 5xx: in effect unlimited, the script waits for ARM as long as ARM
# asks. A lost connection is still retried 3 times only (azure-core's default), so a broken setup
# fails instead of retrying forever.
ATTEMPTS = 1_000_000
# The scope IotHubClient asks tokens for (the emulator accepts ARM's audience).
ARM_SCOPE = "https://management.azure.com/.default"


def fleet_client(info: EmulatorInfo, connections: int) -> Any:
    """An IotHubClient that retries 429s (honouring Retry-After) without a cap, with a pool of
    `connections` keep-alive connections, and a token already in its credential's cache."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(connections, 10))
    session.mount("https://", adapter)
    credential = management_credential(info)
    # One token before the threads start, so they do not all ask for one at once.
    credential.get_token(ARM_SCOPE)
    return IotHubClient(
        credential,
        info.subscription_id,
        transport=RequestsTransport(
            session=session, session_owner=False, connection_verify=info.ca_bundle
        ),
        retry_total=ATTEMPTS,
        retry_status=ATTEMPTS,
        **client_kwargs(info),
    )


def all_at_once(one: Callable[[Any], Any], items: list[Any], workers: int) -> list[Any]:
    """`one(item)` for every item, up to `workers` at once; their results in order."""
    if not items:
        return []
    with ThreadPoolExecutor(min(len(items), workers)) as pool:
        return [future.result() for future in [pool.submit(one, item) for item in items]]


def main(argv: list[str]) -> int:
    """Run `create`, `list` or `delete` over SPEC's certificates, `workers` calls at once."""
    action, spec_path, result_path = argv
    spec = json.loads(Path(spec_path).read_text())
    info = EmulatorInfo.from_json(json.dumps(spec["info"]))
    items: list[dict[str, str]] = spec["certificates"]
    hubs = sorted({item["hub"] for item in items})
    workers = int(spec.get("workers") or max(len(items), len(hubs)))
    group = info.resource_group
    client = fleet_client(info, workers)
    certificates = client.certificates
    started = time.perf_counter()
    if action == "create":
        all_at_once(lambda item: create_one(client, group, item), items, workers)
    elif action in ("list", "delete"):
        listings = all_at_once(
            lambda hub: certificates.list_by_iot_hub(group, hub).value, hubs, workers
        )
        if action == "delete":
            ours = {item["name"] for item in items}
            targets = [
                (hub, certificate)
                for hub, listing in zip(hubs, listings, strict=True)
                for certificate in listing or []
                if certificate.name in ours
            ]
            all_at_once(
                lambda target: certificates.delete(
                    group, target[0], target[1].name, if_match=target[1].etag
                ),
                targets,
                workers,
            )
    else:
        raise SystemExit(f"unknown action {action!r}: create, list or delete")
    Path(result_path).write_text(json.dumps({"calls_s": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
