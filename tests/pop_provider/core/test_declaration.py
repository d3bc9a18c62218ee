"""Each property declared once (pop_provider.core.declaration): every face, the schema, the
stack-config keys and the policy pack agree with the declaration, so an input added there reaches
all of them, and one that a face forgets fails here rather than silently."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from pop_provider.core import declaration as declared
from pop_provider.core.declaration import AllocationPolicy, Group, Mode, ProvisioningStatus
from pop_provider.dynamic.enrollment_group import EnrollmentGroup, EnrollmentGroupArgs
from pop_provider.dynamic.resource import VerifiedCaCertificate, VerifiedCaCertificateArgs
from pop_provider.dynamic.trust import CaTarget, TrustedCaArgs
from pop_provider.native.names import CORE_NAMES, in_camel_case
from pop_provider.native.schema import package_schema
from pop_provider.program import stack_config

CERTIFICATE = declared.VERIFIED_CA_CERTIFICATE
GROUP = declared.ENROLLMENT_GROUP
POLICY = Path(__file__).resolve().parents[3] / "policy" / "guardrails"


def _fields(cls: type) -> set[str]:
    return {field.name for field in dataclasses.fields(cls)}


def test_dynamic_args_are_the_declared_inputs_declared_once() -> None:
    """The Python API's dataclasses, written by hand, have exactly the declared inputs."""
    assert _fields(VerifiedCaCertificateArgs) == set(CERTIFICATE.names())
    assert _fields(TrustedCaArgs) == {
        *(prop.name for prop in declared.TRUSTED_CA_SHARED),
        declared.TARGETS.name,
    }
    assert _fields(CaTarget) == {
        *(prop.name for prop in declared.CA_TARGET_FIELDS),
        declared.TARGET_LABEL.name,
    }


def test_dynamic_outputs_declared_once() -> None:
    """The resource's output attributes are declared properties, and every output is one."""
    # The module's annotations are strings (PEP 563), read as written.
    outputs = {
        name
        for name, hint in VerifiedCaCertificate.__annotations__.items()
        if str(hint).startswith("pulumi.Output[")
    }
    declared_names = {prop.name for prop in CERTIFICATE.properties}
    assert outputs <= declared_names
    assert {prop.name for prop in CERTIFICATE.properties if prop.group is Group.OUTPUT} <= outputs


def test_schema_properties_declared_once() -> None:
    schema = package_schema("0.0.0")
    resource = schema["resources"][CERTIFICATE.token]
    assert set(resource["inputProperties"]) == {prop.camel for prop in CERTIFICATE.inputs()}
    # Keys are inputs only; what check derives never reaches a program.
    assert set(resource["properties"]) == {
        prop.camel
        for prop in CERTIFICATE.properties
        if prop.output and prop.group is not Group.DERIVED
    }
    assert "privateKeyPem" not in resource["properties"]
    assert resource["requiredInputs"] == ["certificatePem"]
    # `mode` is an enum every SDK types.
    assert resource["inputProperties"]["mode"]["$ref"] == "#/types/pop:index:Mode"
    values = [item["value"] for item in schema["types"]["pop:index:Mode"]["enum"]]
    assert values == [mode.value for mode in Mode]
    trusted = schema["resources"]["pop:index:TrustedCa"]
    assert set(trusted["inputProperties"]) == {
        *(prop.camel for prop in declared.TRUSTED_CA_SHARED),
        "targets",
    }
    target = schema["types"]["pop:index:CaTarget"]
    assert set(target["properties"]) == {
        *(prop.camel for prop in declared.CA_TARGET_FIELDS),
        "name",
    }


def test_stack_config_keys_declared_once() -> None:
    """The keys a `certificates` entry takes, as users have written them since 0.1: derived
    from the declaration, with the `...File` and `...Secret` forms and no key in clear."""
    assert {
        "name",
        "targets",
        "hubId",
        "dpsId",
        "resourceGroupName",
        "hubName",
        "dpsName",
        "subscriptionId",
        "certificateName",
        "certificateFile",
        "certificatePem",
        "mode",
        "privateKeyFile",
        "privateKeySecret",
        "privateKeyPasswordSecret",
        "keyVaultUrl",
        "keyVaultKeyName",
        "keyVaultKeyVersion",
        "proofCertificateFile",
        "proofCertificatePem",
        "expiryWarningDays",
    } == stack_config._ALLOWED
    assert set(stack_config._TARGET_KEYS.values()) == _fields(CaTarget)


def test_enrollment_group_declared_once() -> None:
    """EnrollmentGroup's dataclass, outputs and schema are its declaration's."""
    assert _fields(EnrollmentGroupArgs) == set(GROUP.names())
    outputs = {
        name
        for name, hint in EnrollmentGroup.__annotations__.items()
        if str(hint).startswith("pulumi.Output[")
    }
    assert outputs <= {prop.name for prop in GROUP.properties}
    assert {prop.name for prop in GROUP.properties if prop.group is Group.OUTPUT} <= outputs
    schema = package_schema("0.0.0")
    resource = schema["resources"][GROUP.token]
    assert set(resource["inputProperties"]) == {prop.camel for prop in GROUP.inputs()}
    assert set(resource["properties"]) == {prop.camel for prop in GROUP.outputs()}
    assert resource["requiredInputs"] == ["enrollmentGroupId", "caReferencePrimary"]
    assert resource["inputProperties"]["iotHubs"]["items"] == {"type": "string"}
    assert resource["inputProperties"]["initialTwinTags"]["additionalProperties"] == {
        "$ref": "pulumi.json#/Any"
    }
    for enum in (AllocationPolicy, ProvisioningStatus):
        values = [item["value"] for item in schema["types"][f"pop:index:{enum.__name__}"]["enum"]]
        assert values == [member.value for member in enum]
    names = [item["name"] for item in schema["types"]["pop:index:AllocationPolicy"]["enum"]]
    assert names == ["Hashed", "GeoLatency", "Static", "Custom"]


def test_messages_quote_every_declared_name_in_camel_case() -> None:
    assert set(CORE_NAMES) == {
        prop.name for resource in (CERTIFICATE, GROUP) for prop in resource.properties
    }
    assert in_camel_case("set key_vault_key_name and proof_certificate_pem") == (
        "set keyVaultKeyName and proofCertificatePem"
    )


def _policy_names() -> set[str]:
    """Every input name the pack asks a declaration for: `ca.text("...")`, `ca.given(...)`,
    `ca.field(...)`, and the names its rules loop over."""
    names: set[str] = set()
    for path in POLICY.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("text", "given", "field")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names.add(node.args[0].value)
            if isinstance(node, ast.For) and isinstance(node.iter, ast.Tuple):
                for item in node.iter.elts:
                    first = item.elts[0] if isinstance(item, ast.Tuple) else item
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        names.add(first.value)
    return names


def test_policy_pack_names_declared_once() -> None:
    """The pack is a folder teams copy, so it cannot import the declaration: its names are
    checked against it here."""
    names = _policy_names()
    assert {"certificate_pem", "mode", "private_key_pem", "hub_id"} <= names
    assert names <= {*CERTIFICATE.names(), *declared.ENROLLMENT_GROUP.names()}
