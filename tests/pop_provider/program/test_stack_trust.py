"""The config-driven program (`trust_from_stack_config`) under Pulumi's mocks, in a project of
any name: the list and its secrets come from that project's namespace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import mocks, rpc

from pop_provider import StackConfigError, trust_from_stack_config
from tests.pki import make_ca

PROJECT = "my-fleet"
CERT_TYPE = "pulumi-python:dynamic/pop:VerifiedCaCertificate"
SUB = "00000000-0000-0000-0000-0000000000e1"
HUB = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Devices/IotHubs"


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: dict[str, tuple[str, dict[str, Any]]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources[args.name] = (args.typ, dict(args.inputs))
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


@pytest.fixture
def recorder() -> Recorder:
    recorded = Recorder()
    mocks.set_mocks(recorded, project=PROJECT, stack="dev", preview=False)
    return recorded


@pytest.fixture
def exported(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the program hands to `pulumi.export`, by output name."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", seen.__setitem__)
    return seen


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


@pulumi.runtime.test
def test_the_projects_own_list_becomes_certificates_exported_by_name(
    recorder: Recorder, exported: dict[str, Any], tmp_path: Path
) -> Any:
    root, partner = make_ca("program root"), make_ca("program partner")
    (tmp_path / "root.pem").write_text(root.certificate_pem)
    certificates = [
        {
            "name": "fleet-root",
            "hubId": f"{HUB}/hub-a",
            "mode": "proof",
            "certificateFile": "root.pem",
            "privateKeySecret": "rootKey",
        },
        {
            "name": "partner",
            "mode": "auto",
            "certificatePem": partner.certificate_pem,
            "targets": [{"hubId": f"{HUB}/hub-a", "name": "a"}, {"hubId": f"{HUB}/hub-b"}],
        },
    ]
    pulumi.runtime.set_all_config(
        {
            f"{PROJECT}:certificates": json.dumps(certificates),
            f"{PROJECT}:rootKey": root.private_key_pem,
        },
        [f"{PROJECT}:rootKey"],
    )

    trusted = trust_from_stack_config(base_dir=tmp_path)

    assert sorted(trusted) == ["fleet-root", "partner-a", "partner-hub-b"]
    assert sorted(exported["certificates"]) == sorted(trusted)
    assert set(exported["certificates"]["fleet-root"]) >= {
        "certificate_name",
        "thumbprint",
        "is_verified",
        "not_after",
        "days_until_expiry",
    }

    def check(_: Any) -> None:
        certs = {n: i for n, (t, i) in recorder.resources.items() if t == CERT_TYPE}
        assert sorted(certs) == ["fleet-root", "partner-a", "partner-hub-b"]
        assert certs["fleet-root"]["certificate_pem"] == root.certificate_pem
        assert _is_secret(certs["fleet-root"]["private_key_pem"])
        assert certs["partner-hub-b"]["hub_id"] == f"{HUB}/hub-b"

    return pulumi.Output.all(*(cert.arm_id for cert in trusted.values())).apply(check)


@pulumi.runtime.test
def test_another_namespace_and_no_export_when_asked(
    recorder: Recorder, exported: dict[str, Any]
) -> Any:
    ca = make_ca("namespace")
    entry = {"name": "root", "hubId": f"{HUB}/hub-a", "certificatePem": ca.certificate_pem}
    pulumi.runtime.set_all_config({"fleet-cas:certificates": json.dumps([entry])})

    trusted = trust_from_stack_config(pulumi.Config("fleet-cas"), export=False)

    assert list(trusted) == ["root"] and exported == {}
    return trusted["root"].arm_id


def test_no_list_in_the_config_names_the_projects_key(recorder: Recorder) -> None:
    pulumi.runtime.set_all_config({"pop-provider:certificates": "[]"})
    with pytest.raises(StackConfigError) as raised:
        trust_from_stack_config()
    message = str(raised.value)
    assert message.startswith(f"config '{PROJECT}:certificates' is not set: list the certificates")
    assert "\n" not in message
    assert isinstance(raised.value, pulumi.RunError)


def test_a_file_that_cannot_be_read_is_one_line_with_the_path(
    recorder: Recorder, tmp_path: Path
) -> None:
    (tmp_path / "certs").write_text("a file where a folder should be")
    entry = {"name": "root", "hubId": f"{HUB}/hub-a", "certificateFile": "certs/root.pem"}
    pulumi.runtime.set_all_config({f"{PROJECT}:certificates": json.dumps([entry])})
    with pytest.raises(StackConfigError) as raised:
        trust_from_stack_config(base_dir=tmp_path)
    assert str(raised.value) == (
        f"certificates[0] (root): certificateFile 'certs/root.pem' cannot be read "
        f"({tmp_path / 'certs' / 'root.pem'}: Not a directory); give the user who runs `pulumi` "
        "read access to it, or fix the path"
    )


def test_a_secret_the_list_names_but_set_without_secret_is_one_warning_naming_its_key(
    recorder: Recorder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from pop_provider.dynamic import key_secrecy

    root, partner = make_ca("named secret in clear"), make_ca("key file")
    (tmp_path / "partner.key").write_text(partner.private_key_pem)
    certificates = [
        {
            "name": "root",
            "hubId": f"{HUB}/hub-a",
            "certificatePem": root.certificate_pem,
            "privateKeySecret": "rootKey",
        },
        {  # a key file is read as a secret: nothing to say
            "name": "partner",
            "hubId": f"{HUB}/hub-b",
            "certificatePem": partner.certificate_pem,
            "privateKeyFile": "partner.key",
        },
    ]
    pulumi.runtime.set_all_config(
        {
            f"{PROJECT}:certificates": json.dumps(certificates),
            f"{PROJECT}:rootKey": root.private_key_pem,  # `pulumi config set rootKey < root.key`
        },
        [],
    )
    key_secrecy._WARNED.clear()

    @pulumi.runtime.test
    def program() -> Any:
        trusted = trust_from_stack_config(base_dir=tmp_path, export=False)
        return pulumi.Output.all(*(cert.urn for cert in trusted.values()))

    program()
    warned = [r.getMessage() for r in caplog.records if "not a secret" in r.getMessage()]
    assert warned == [
        "private_key_pem comes from config key 'rootKey', which is not a secret: the CA key sits "
        "in clear in the stack's config and in its history; fix: `pulumi config set --secret "
        "rootKey < root.key` (or use a Key Vault key: key_vault_url, key_vault_key_name)"
    ]


GROUP_TYPE = "pulumi-python:dynamic/pop:EnrollmentGroup"
DPS = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Devices/provisioningServices"


@pulumi.runtime.test
def test_groups_reference_the_lists_certificates_and_are_exported(
    recorder: Recorder, exported: dict[str, Any]
) -> Any:
    """A reference naming a `certificates` entry becomes its certificate name (an output, so the
    group waits for the CA); any other value is passed as written."""
    ca = make_ca("program dps root")
    certificates = [
        {
            "name": "fleet-root",
            "dpsId": f"{DPS}/dps-a",
            "mode": "auto",
            "certificatePem": ca.certificate_pem,
            "certificateName": "root-on-dps",
        }
    ]
    groups = [
        {
            "name": "fleet",
            "dpsId": f"{DPS}/dps-a",
            "enrollmentGroupId": "fleet-2026",
            "caReferencePrimary": "fleet-root",
            "caReferenceSecondary": "made-by-hand",
            "initialTwinTags": {"fleet": "2026"},
        }
    ]
    pulumi.runtime.set_all_config(
        {
            f"{PROJECT}:certificates": json.dumps(certificates),
            f"{PROJECT}:enrollmentGroups": json.dumps(groups),
        }
    )

    trust_from_stack_config()

    assert list(exported["enrollmentGroups"]) == ["fleet"]
    assert set(exported["enrollmentGroups"]["fleet"]) == {"arm_id", "etag"}

    def check(_: Any) -> None:
        kind, inputs = recorder.resources["fleet"]
        assert kind == GROUP_TYPE
        assert inputs["ca_reference_primary"] == "root-on-dps"
        assert inputs["ca_reference_secondary"] == "made-by-hand"
        assert inputs["initial_twin_tags"] == {"fleet": "2026"}
        assert inputs["enrollment_group_id"] == "fleet-2026"

    return exported["enrollmentGroups"]["fleet"]["arm_id"].apply(check)


@pytest.mark.parametrize(
    ("group", "said"),
    [
        (
            {"name": "fleet", "dpsId": "x", "enrollmentGroupId": "g", "caReference": "r"},
            "enrollmentGroups[0]: unknown key 'caReference' (did you mean 'caReferencePrimary'?); "
            "allowed: [",
        ),
        (
            {"name": "fleet", "dpsId": "x", "enrollmentGroupId": "g"},
            "enrollmentGroups[0] (fleet): caReferencePrimary is required",
        ),
        (
            {"dpsId": "x", "enrollmentGroupId": "g", "caReferencePrimary": "r"},
            "enrollmentGroups[0]: 'name' (the resource name) is required",
        ),
    ],
)
def test_a_group_entry_mistake_is_one_line_and_declares_nothing(
    recorder: Recorder, group: dict[str, Any], said: str
) -> None:
    ca = make_ca("declared nothing")
    entry = {"name": "root", "hubId": f"{HUB}/hub-a", "certificatePem": ca.certificate_pem}
    pulumi.runtime.set_all_config(
        {
            f"{PROJECT}:certificates": json.dumps([entry]),
            f"{PROJECT}:enrollmentGroups": json.dumps([group]),
        }
    )
    with pytest.raises(StackConfigError) as raised:
        trust_from_stack_config()
    assert str(raised.value).startswith(said) and "\n" not in str(raised.value)
    assert recorder.resources == {}


def test_a_reference_to_a_certificate_on_a_hub_is_one_line_and_declares_nothing(
    recorder: Recorder,
) -> None:
    ca = make_ca("on the hub only")
    entry = {"name": "root", "hubId": f"{HUB}/hub-a", "certificatePem": ca.certificate_pem}
    group = {
        "name": "fleet",
        "dpsId": f"{DPS}/dps-a",
        "enrollmentGroupId": "g",
        "caReferencePrimary": "root",
    }
    pulumi.runtime.set_all_config(
        {
            f"{PROJECT}:certificates": json.dumps([entry]),
            f"{PROJECT}:enrollmentGroups": json.dumps([group]),
        }
    )
    with pytest.raises(StackConfigError) as raised:
        trust_from_stack_config()
    assert str(raised.value).startswith(
        "enrollmentGroups[0] (fleet): caReferencePrimary 'root' names a certificates entry on an "
        "IoT hub"
    )
    assert recorder.resources == {}
