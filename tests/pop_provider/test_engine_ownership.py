"""One owner per CA per target, under the real `pulumi up`: the newcomer's sequences.

Two resources that declare one CA on one hub are refused before any ARM call; adopting a name
and removing the resource that held it never deletes the CA; a wide `--parallel` run with
repeated CAs uploads each CA once per target. Judged by what the hub reports and by the
emulator's request log.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from tests.conftest import write_certificates_config
from tests.pki import make_ca
from tests.pop_provider.engine import arm_calls, entry, hub_certificates, hub_id, make_thumbprint
from tests.pulumi_cli import PulumiStack

pytestmark = pytest.mark.engine


def _error_lines(result_text: str, needle: str) -> list[str]:
    return [line.strip() for line in result_text.splitlines() if needle in line]


def test_two_resources_declaring_one_ca_on_one_hub_are_refused_before_any_arm_call(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca = make_ca("declared twice")
    write_certificates_config(
        program_stack,
        [entry(tmp_path, "dup-a", ca, emulator), entry(tmp_path, "dup-b", ca, emulator)],
    )
    expected = (
        f"resources 'dup-a' and 'dup-b' both declare the same CA (thumbprint "
        f"{make_thumbprint(ca)}) on IoT hub '{emulator.iot_hubs[0]}'"
    )
    admin.clear_requests()
    for run in (program_stack.preview, lambda **kw: program_stack.up("--skip-preview", **kw)):
        refused = run(check=False)
        output = refused.stdout + refused.stderr
        assert refused.returncode != 0
        lines = _error_lines(output, "both declare")
        assert lines and all(expected in line for line in lines), output
        assert "Traceback" not in output
    assert arm_calls(admin) == Counter()  # not even the list
    assert hub_certificates(emulator) == {}


def test_adopting_a_name_and_removing_its_holder_never_deletes_the_ca(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    """The sequence that deleted a live root CA: declare it, declare it again, follow the
    advice printed, remove the now-redundant resource."""
    ca = make_ca("adopted root")
    first = entry(tmp_path, "dup-a", ca, emulator)
    write_certificates_config(program_stack, [first])
    program_stack.up()
    held = program_stack.outputs()["certificates"]["dup-a"]["certificate_name"]

    # The same CA declared again, under a generated name or under the held one: refused.
    for second in (
        entry(tmp_path, "dup-b", ca, emulator),
        entry(tmp_path, "dup-b", ca, emulator, certificateName=held),
    ):
        write_certificates_config(program_stack, [first, second])
        refused = program_stack.up(check=False)
        assert refused.returncode != 0
        assert _error_lines(refused.stdout, "resources 'dup-a' and 'dup-b' both declare"), (
            refused.stdout
        )
        assert list(hub_certificates(emulator)) == [held]

    # dup-a removed, dup-b new with its own name: the hub holds the CA as dup-a's certificate,
    # which the message attributes to this stack, and nothing is deleted.
    write_certificates_config(program_stack, [entry(tmp_path, "dup-b", ca, emulator)])
    refused = program_stack.up(check=False)
    assert refused.returncode != 0
    assert (
        f"as certificate '{held}', which resource 'dup-a' of this stack "
        f"(pop-provider/{program_stack.stack}) uploaded and this program no longer declares"
    ) in refused.stdout
    assert f"set certificate_name to '{held}'" in refused.stdout
    assert list(hub_certificates(emulator)) == [held]

    # Following that advice: dup-b takes the name over; removing dup-a leaves the CA alone.
    write_certificates_config(
        program_stack, [entry(tmp_path, "dup-b", ca, emulator, certificateName=held)]
    )
    admin.clear_requests()
    program_stack.up()
    assert "Certificates_Delete" not in arm_calls(admin)
    on_hub = hub_certificates(emulator)
    assert list(on_hub) == [held] and on_hub[held].properties.is_verified
    assert list(program_stack.outputs()["certificates"]) == ["dup-b"]

    program_stack.preview("--expect-no-changes")
    program_stack.destroy()
    assert hub_certificates(emulator) == {}


def test_a_forty_way_parallel_run_with_repeated_cas_uploads_each_ca_once_per_target(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    """20 CAs, each on two hubs (40 resources), plus 4 that repeat a CA on a hub already
    declared for it: the repeats are refused naming both, the rest are trusted once."""
    hubs = emulator.iot_hubs[:2]
    cas = [make_ca(f"fleet ca {index}") for index in range(20)]

    def on(hub: str, index: int, name: str | None = None) -> dict[str, object]:
        label = name or f"ca{index}-{hub}"
        return entry(
            tmp_path, label, cas[index], emulator, mode="auto", hubId=hub_id(emulator, hub)
        )

    declared = [on(hub, index) for index in range(20) for hub in hubs]
    repeats = [on(hubs[index % 2], index, f"again{index}") for index in range(4)]
    write_certificates_config(program_stack, declared + repeats)
    refused = program_stack.up("--parallel", "40", "--skip-preview", check=False)
    assert refused.returncode != 0
    for index in range(4):
        pair = f"resources 'ca{index}-{hubs[index % 2]}' and 'again{index}' both declare"
        assert _error_lines(refused.stdout, pair), refused.stdout

    write_certificates_config(program_stack, declared)
    program_stack.up("--parallel", "40", "--skip-preview")
    for hub in hubs:
        on_hub = hub_certificates(emulator, hub)
        thumbprints = Counter(cert.properties.thumbprint for cert in on_hub.values())
        assert thumbprints == Counter({make_thumbprint(ca): 1 for ca in cas})
        assert all(cert.properties.is_verified for cert in on_hub.values())
