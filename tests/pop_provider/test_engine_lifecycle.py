"""VerifiedCaCertificate under the real `pulumi up`, against the emulator.

Each test runs this repo's own program (`__main__.py`) from a scratch project, configured through
the stack config as a user would, and judges the result by what the hub reports through
Microsoft's client and by the emulator's request log (ARM calls by operation).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, EmulatorProcess
from tests.conftest import write_certificates_config
from tests.pki import KeyType, make_ca, make_intermediate_ca, make_reproducible_ca
from tests.pop_provider.engine import (
    arm_calls,
    delete_out_of_band,
    entry,
    hub_certificates,
    hub_client,
    make_thumbprint,
    unverify_out_of_band,
)
from tests.pulumi_cli import PulumiStack, first_cause

pytestmark = pytest.mark.engine

# How Pulumi's state marks a secret value: this key and value, beside the encrypted text.
SECRET_SIGNATURE = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")


def is_ciphertext(value: object) -> bool:
    """Whether a state value is a secret stored encrypted (not a plain value beside a marker)."""
    if not isinstance(value, dict):
        return False
    key, marker = SECRET_SIGNATURE
    ciphertext = value.get("ciphertext")
    return value.get(key) == marker and isinstance(ciphertext, str) and ciphertext.startswith("v1:")


def test_auto_mode_is_one_call_and_verified(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca = make_ca("auto root")
    write_certificates_config(
        program_stack, [entry(tmp_path, "auto-root", ca, emulator, mode="auto")]
    )
    admin.clear_requests()
    program_stack.up()
    # The upload, and the hub's list (is this CA there under another name?), once per run.
    assert arm_calls(admin) == Counter(
        {"Certificates_ListByIotHub": 1, "Certificates_CreateOrUpdate": 1}
    )
    outputs = program_stack.outputs()["certificates"]["auto-root"]
    assert outputs["is_verified"] is True
    on_hub = hub_certificates(emulator)[outputs["certificate_name"]]
    assert on_hub.properties.is_verified
    assert on_hub.properties.thumbprint == outputs["thumbprint"]

    admin.clear_requests()
    program_stack.preview("--expect-no-changes")
    # refresh: always, read from the hub's list (one call per target per run)
    assert arm_calls(admin) == Counter({"Certificates_ListByIotHub": 1})

    program_stack.destroy()
    assert hub_certificates(emulator) == {}


def test_proof_of_possession_for_every_key_type_root_and_intermediate(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    password = "correct horse battery staple 42"
    root_2048 = make_ca("root rsa 2048", key_type=KeyType.RSA_2048)
    cas = {
        "rsa-2048": root_2048,
        "rsa-4096": make_ca("root rsa 4096", key_type=KeyType.RSA_4096),
        "ec-p256": make_ca("root ec p256", key_type=KeyType.EC_P256),
        "ec-p384": make_ca("root ec p384", key_type=KeyType.EC_P384),
        "encrypted-key": make_ca("root with encrypted key", key_type=KeyType.EC_P256),
        "intermediate": make_intermediate_ca(
            root_2048, "intermediate rsa", key_type=KeyType.RSA_2048
        ),
    }
    program_stack.set_config("encryptedKeyPassword", password, secret=True)
    entries = [
        entry(tmp_path, name, ca, emulator, password=password if name == "encrypted-key" else None)
        for name, ca in cas.items()
    ]
    entries[4]["privateKeyPasswordSecret"] = "encryptedKeyPassword"
    write_certificates_config(program_stack, entries)

    admin.clear_requests()
    program_stack.up()
    n = len(cas)
    assert arm_calls(admin) == Counter(
        {
            "Certificates_ListByIotHub": 1,  # one list per hub per run: a CA already there?
            "Certificates_CreateOrUpdate": n,
            "Certificates_GenerateVerificationCode": n,
            "Certificates_Verify": n,
        }
    )
    outputs = program_stack.outputs()["certificates"]
    on_hub = hub_certificates(emulator)
    for name, ca in cas.items():
        out = outputs[name]
        assert out["is_verified"] is True, name
        remote = on_hub[out["certificate_name"]]
        assert remote.properties.is_verified, name
        assert remote.properties.thumbprint == out["thumbprint"]
        assert out["arm_id"].endswith(f"/certificates/{out['certificate_name']}")
        assert (
            out["subject"] == ca.certificate.subject.rfc4514_string().split("CN=")[1].split(",")[0]
        )

    # Nothing secret in clear anywhere the backend keeps bytes, nor in the export.
    secrets = [password] + [
        line
        for ca in cas.values()
        for line in (ca.private_key_pem + ca.encrypted_private_key_pem(password)).splitlines()
        if line and "-----" not in line
    ]
    exported = program_stack.export()
    stored = program_stack.state_files_text() + json.dumps(exported)
    leaked = [secret for secret in secrets if secret in stored]
    assert leaked == []
    # The key inputs are there, encrypted: each resource's key (and the one password) is a
    # secret with its ciphertext in the state, and no other input is.
    encrypted = {
        resource["urn"].rsplit("::", 1)[1]: sorted(
            key for key, value in resource["inputs"].items() if is_ciphertext(value)
        )
        for resource in exported["deployment"]["resources"]
        if resource["type"].endswith(":VerifiedCaCertificate")
    }
    assert encrypted == {
        name: ["private_key_password", "private_key_pem"]
        if name == "encrypted-key"
        else ["private_key_pem"]
        for name in cas
    }

    admin.clear_requests()
    program_stack.preview("--expect-no-changes")
    program_stack.up("--expect-no-changes")
    # Pulumi.yaml's `refresh: always`: one list per target per run (the preview's and the
    # up's), whatever the number of certificates, nothing else.
    assert arm_calls(admin) == Counter({"Certificates_ListByIotHub": 2})

    admin.clear_requests()
    program_stack.destroy()
    # The refresh's list (its etags serve the deletes too), then a DELETE per certificate.
    assert arm_calls(admin) == Counter({"Certificates_ListByIotHub": 1, "Certificates_Delete": n})
    assert hub_certificates(emulator) == {}


def test_refresh_shows_out_of_band_drift_and_up_repairs_it(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    cas = {name: make_ca(f"drift {name}") for name in ("deleted", "unverified", "replaced")}
    write_certificates_config(
        program_stack, [entry(tmp_path, name, ca, emulator) for name, ca in cas.items()]
    )
    program_stack.up()
    names = {
        name: out["certificate_name"]
        for name, out in program_stack.outputs()["certificates"].items()
    }

    # Out of band, as a colleague with the portal would.
    delete_out_of_band(emulator, names["deleted"])
    unverify_out_of_band(emulator, names["unverified"])
    client = hub_client(emulator).certificates
    group, hub = emulator.resource_group, emulator.iot_hubs[0]
    intruder = make_ca("intruder")
    replaced = client.get(group, hub, names["replaced"])
    replaced.properties.certificate = intruder.certificate_pem
    replaced.properties.is_verified = True
    client.create_or_update(group, hub, names["replaced"], replaced, if_match=replaced.etag)

    admin.clear_requests()
    drift = program_stack.refresh().stdout
    assert arm_calls(admin) == Counter({"Certificates_ListByIotHub": 1})  # all three
    # What a person sees: the deletion and the two changed certificates.
    assert re.search(r"^ -  \S+VerifiedCaCertificate deleted deleted", drift, re.MULTILINE)
    assert re.search(r"^ ~  \S+VerifiedCaCertificate unverified updated", drift, re.MULTILINE)
    assert re.search(r"^ ~  \S+VerifiedCaCertificate replaced updated", drift, re.MULTILINE)
    after_refresh = program_stack.export()["deployment"]["resources"]
    kept = {
        r["outputs"].get("certificate_name")
        for r in after_refresh
        if "VerifiedCaCertificate" in r["type"]
    }
    assert names["deleted"] not in kept  # gone from the state

    program_stack.up()
    on_hub = hub_certificates(emulator)
    outputs = program_stack.outputs()["certificates"]
    assert sorted(on_hub) == sorted(out["certificate_name"] for out in outputs.values())
    for name, ca in cas.items():
        remote = on_hub[outputs[name]["certificate_name"]]
        assert remote.properties.is_verified, name
        assert remote.properties.thumbprint == make_thumbprint(ca), name
    program_stack.preview("--expect-no-changes")
    program_stack.refresh("--expect-no-changes")


def test_a_plain_up_repairs_a_certificate_deleted_or_unverified_out_of_band(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    """`refresh: always` in Pulumi.yaml: no `pulumi refresh`, no flag, the next `up` sees it."""
    cas = {name: make_ca(f"repair {name}") for name in ("deleted", "unverified")}
    write_certificates_config(
        program_stack, [entry(tmp_path, name, ca, emulator) for name, ca in cas.items()]
    )
    program_stack.up()
    names = {n: o["certificate_name"] for n, o in program_stack.outputs()["certificates"].items()}
    delete_out_of_band(emulator, names["deleted"])
    unverify_out_of_band(emulator, names["unverified"])

    admin.clear_requests()
    program_stack.up()
    calls = arm_calls(admin)
    assert calls["Certificates_ListByIotHub"] == 1  # the refresh read both from the list
    assert calls["Certificates_CreateOrUpdate"] == 1  # the deleted one, uploaded again
    assert calls["Certificates_Verify"] == 2  # and both proven again
    on_hub = hub_certificates(emulator)
    assert sorted(on_hub) == sorted(names.values())
    assert all(cert.properties.is_verified for cert in on_hub.values())
    program_stack.preview("--expect-no-changes")


def test_after_a_config_change_the_refresh_needs_run_program_and_says_so(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    """Pulumi configures a refresh's provider from the config saved at the last update unless
    the program runs: moving to another endpoint fails with a message that says so."""

    def point_at(info: EmulatorInfo) -> None:
        program_stack.set_configs(
            {
                "pop:armEndpoint": info.base_url,
                "pop:authorityHost": info.authority_host,
                "pop:caBundle": info.ca_bundle,
            }
        )

    write_certificates_config(program_stack, [entry(tmp_path, "moved", make_ca("moved"), emulator)])
    with EmulatorProcess(tmp_path / "old-emulator") as old:
        point_at(old.info)
        program_stack.up()
    point_at(emulator)  # the old endpoint is gone; the config names the new one

    stale = program_stack.up(check=False)
    assert stale.returncode != 0
    _, first = first_cause(stale.stdout)
    # The command the user ran, the configuration it used, then the cause and the way out.
    assert first.startswith(
        "pop_provider.failures.EndpointUnreachable: `pulumi up` (its refresh) used the "
        "configuration recorded by the last deployment, not the program's current config: "
        f"cannot reach {old.info.base_url}"
    ), first
    assert "run `pulumi up --refresh --run-program` to use the program's" in first

    program_stack.up("--refresh", "--run-program")  # the command the message gives
    (on_hub,) = hub_certificates(emulator).values()
    assert on_hub.properties.is_verified  # gone with the old endpoint, so created on the new


def test_previews_show_a_replacements_new_facts_and_no_change_when_none(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    later = datetime.now(UTC) + timedelta(days=500)
    old, new = make_ca("preview old"), make_ca("preview new", not_after=later)
    write_certificates_config(program_stack, [entry(tmp_path, "fleet", old, emulator)])
    program_stack.up()

    unchanged = program_stack.preview("--diff", "--expect-no-changes").stdout
    assert "[unknown]" not in unchanged, unchanged
    changes = [
        line
        for line in unchanged.splitlines()
        if re.match(r"^\s*[~+-] ", line) and "(refresh)" not in line  # the refresh step itself
    ]
    assert changes == [], unchanged  # stack outputs included

    write_certificates_config(program_stack, [entry(tmp_path, "fleet", new, emulator)])
    replacing = program_stack.preview("--diff").stdout
    old_tp, new_tp = make_thumbprint(old), make_thumbprint(new)
    assert re.search(rf'~ thumbprint\s*: "{old_tp}" => "{new_tp}"', replacing), replacing
    assert re.search(r'~ subject\s*: "preview old" => "preview new"', replacing), replacing
    assert re.search(rf'~ not_after\s*: "[^"]+" => "{later:%Y-%m-%dT%H:%M:%S}', replacing)
    assert "+-1 to replace" in replacing


def test_rotation_verifies_the_new_certificate_before_deleting_the_old(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    write_certificates_config(
        program_stack, [entry(tmp_path, "fleet", make_ca("fleet 2026"), emulator)]
    )
    program_stack.up()
    old_name = program_stack.outputs()["certificates"]["fleet"]["certificate_name"]

    new_ca = make_ca("fleet 2027")
    write_certificates_config(program_stack, [entry(tmp_path, "fleet", new_ca, emulator)])
    admin.clear_requests()
    program_stack.up()
    new = program_stack.outputs()["certificates"]["fleet"]
    assert new["certificate_name"] != old_name
    log = [(e["operation"], e.get("certificate_name")) for e in admin.requests()]
    verified_new = log.index(("Certificates_Verify", new["certificate_name"]))
    deleted_old = log.index(("Certificates_Delete", old_name))
    assert verified_new < deleted_old
    on_hub = hub_certificates(emulator)
    assert list(on_hub) == [new["certificate_name"]]
    assert on_hub[new["certificate_name"]].properties.thumbprint == make_thumbprint(new_ca)


def test_a_rejected_proof_leaves_nothing_behind_and_the_next_up_succeeds(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    write_certificates_config(
        program_stack, [entry(tmp_path, "root", make_ca("rejected"), emulator)]
    )
    admin.script_failure(
        "Certificates_Verify",
        400,
        code=400053,
        message="Proof-Of-Possession failed. Injected by the test.",
    )
    failed = program_stack.up(check=False)
    assert failed.returncode != 0
    assert "Proof-Of-Possession failed" in failed.stdout
    assert "was removed" in failed.stdout
    assert hub_certificates(emulator) == {}

    program_stack.up()
    assert program_stack.outputs()["certificates"]["root"]["is_verified"] is True


def test_a_create_interrupted_after_upload_is_finished_by_the_next_up(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca = make_ca("interrupted")
    write_certificates_config(program_stack, [entry(tmp_path, "root", ca, emulator)])
    # The run dies after the upload: the code step fails and so does the clean-up.
    admin.script_failure(
        "Certificates_GenerateVerificationCode", 400, code=400004, message="Injected."
    )
    admin.script_failure("Certificates_Delete", 400, code=400004, message="Injected.")
    assert program_stack.up(check=False).returncode != 0
    left = hub_certificates(emulator)
    assert len(left) == 1 and not next(iter(left.values())).properties.is_verified

    admin.clear_requests()
    program_stack.up()
    assert arm_calls(admin) == Counter(
        {
            "Certificates_ListByIotHub": 1,  # the same CA is there, but under our own name
            "Certificates_CreateOrUpdate": 1,  # 412: the name is taken (by our own upload)
            "Certificates_Get": 1,  # same thumbprint: ours, carry on
            "Certificates_GenerateVerificationCode": 1,
            "Certificates_Verify": 1,
        }
    )
    on_hub = hub_certificates(emulator)
    assert list(on_hub) == list(left)
    assert next(iter(on_hub.values())).properties.is_verified


# Faults of the 40% run: their fractions sum to 0.40 of ARM calls. The emulator draws each call's
# fate from (seed, operation, certificate name, attempt), whatever the interleaving; the names
# hash the CAs' thumbprints, so with reproducible CAs the same calls fail on every run.
FAULTS_40 = dict(
    throttle_fraction=0.15,
    error_fraction=0.15,
    error_status=503,
    drop_fraction=0.10,
    retry_after_s=1,
    seed=40,
)


def test_twenty_proofs_converge_in_one_up_with_forty_percent_of_calls_failing(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    cas = {f"flaky-{n:02}": make_reproducible_ca(f"flaky {n}") for n in range(20)}
    write_certificates_config(
        program_stack, [entry(tmp_path, name, ca, emulator) for name, ca in cas.items()]
    )
    admin.set_faults(**FAULTS_40)
    admin.clear_requests()
    program_stack.up()  # one run, no second chance
    statuses = Counter(
        e.get("status")
        for e in admin.requests()
        if str(e.get("operation") or "").startswith("Certificates_")
    )
    admin.clear_faults()
    # The faults did happen, at that rate, of all three kinds: with the same calls failing on
    # every run (46 of 107 when written), these hold by construction, not by chance; a change to
    # the calls the provider makes moves the numbers for every run alike.
    failed = statuses[429] + statuses[503] + statuses[None]
    assert failed / statuses.total() > 0.35, statuses
    assert statuses[429] and statuses[503] and statuses[None], statuses
    on_hub = hub_certificates(emulator)
    outputs = program_stack.outputs()["certificates"]
    # 0 orphans and 0 duplicates: the hub holds exactly the declared certificates, once each.
    assert sorted(on_hub) == sorted(out["certificate_name"] for out in outputs.values())
    assert len(on_hub) == len(cas)
    assert all(cert.properties.is_verified for cert in on_hub.values())
    program_stack.preview("--expect-no-changes")


def test_five_consecutive_503s_on_one_call_are_survived(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    """One budget for every kind of failure: azure-core's default per-kind cap (3 status
    retries) would end this run at the fourth 503."""
    write_certificates_config(
        program_stack, [entry(tmp_path, "root", make_ca("five 503s"), emulator)]
    )
    admin.script_failure(
        "Certificates_Verify", 503, message="Injected: service unavailable.", times=5
    )
    admin.clear_requests()
    program_stack.up()
    verify = [
        e.get("status") for e in admin.requests() if e.get("operation") == "Certificates_Verify"
    ]
    assert verify == [503] * 5 + [200]
    assert program_stack.outputs()["certificates"]["root"]["is_verified"] is True


def test_a_second_stack_with_the_same_ca_on_the_same_hub_is_refused_and_can_take_it_over(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca = make_ca("shared root")
    write_certificates_config(program_stack, [entry(tmp_path, "root", ca, emulator)])
    program_stack.up()
    owned = program_stack.outputs()["certificates"]["root"]["certificate_name"]

    other = PulumiStack(
        program_stack.project_dir,
        program_stack.state_dir,
        stack="other",
        extra_env=dict(program_stack.extra_env),
    ).init()
    write_certificates_config(other, [entry(tmp_path, "root", ca, emulator)])
    admin.clear_requests()
    refused = other.up(check=False)
    assert refused.returncode != 0
    assert (
        f"pop_provider.failures.AlreadyTrusted: IoT hub '{emulator.iot_hubs[0]}' already trusts "
        f"this CA (thumbprint {make_thumbprint(ca)}) as certificate '{owned}'"
    ) in refused.stdout
    assert "not uploaded by this stack" in refused.stdout
    assert "If another stack manages it, leave it there" in refused.stdout
    assert "Certificates_CreateOrUpdate" not in arm_calls(admin)  # refused before any upload
    assert list(hub_certificates(emulator)) == [owned]

    # A hand-over, one owner at a time: the first stack forgets it (its certificate stays on
    # the hub), then the second adopts it by name, as the message says.
    urn = (
        f"urn:pulumi:{program_stack.stack}::pop-provider::"
        "pulumi-python:dynamic/pop:VerifiedCaCertificate::root"
    )
    program_stack.run("state", "delete", "--yes", urn)
    write_certificates_config(other, [entry(tmp_path, "root", ca, emulator, certificateName=owned)])
    other.up()
    assert other.outputs()["certificates"]["root"]["certificate_name"] == owned
    assert list(hub_certificates(emulator)) == [owned]
