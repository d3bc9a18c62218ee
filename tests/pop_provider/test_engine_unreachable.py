"""A wrong endpoint, as a pipeline meets it: the run fails in seconds and names the setting."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from azure_iot_emulator.testing import EmulatorInfo
from tests.pop_provider.test_engine_failures import failed_up, one_root, resource_error
from tests.pulumi_cli import PulumiStack
from tests.sockets import refusing_port

pytestmark = pytest.mark.engine


def test_a_refused_arm_endpoint_fails_the_run_in_seconds(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    """Retried like a lost connection, a refusal cost 55 s of backoff per call before failing."""
    one_root(program_stack, emulator, tmp_path)
    with refusing_port() as port:
        program_stack.extra_env["POP_ARM_ENDPOINT"] = f"https://127.0.0.1:{port}"
        started = time.monotonic()
        first = resource_error(failed_up(program_stack))
        elapsed = time.monotonic() - started
    assert first == (
        f"pop_provider.failures.EndpointUnreachable: cannot reach https://127.0.0.1:{port} "
        "(connection refused): check pop:armEndpoint (or POP_ARM_ENDPOINT) and that the "
        "service is up and reachable from this machine"
    )
    assert elapsed < 30, elapsed  # the whole `pulumi up`, engine start-up included
