"""The core verbs without an engine: check and diff, as both faces call them."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

from pop_provider.core import inputs
from pop_provider.core.check import check as _check
from pop_provider.core.diff import diff as _diff
from tests.pki import make_ca, make_expired_ca

SUB = "00000000-0000-0000-0000-0000000000a1"
HUB = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/hub-one"
OTHER_HUB = HUB.replace("hub-one", "hub-two")


def news(ca: Any, **overrides: Any) -> dict[str, Any]:
    props = {
        "hub_id": HUB,
        "mode": "proof",
        "certificate_pem": ca.certificate_pem,
        "private_key_pem": ca.private_key_pem,
        "name_prefix": "fleet-root",
        "name_scope": "project/stack",
    }
    props.update(overrides)
    return {k: v for k, v in props.items() if v is not None}


def checked(props: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
    result = _check(olds or {}, props, SUB)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return dict(result.inputs)


def outputs_of(checked_inputs: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """What create would have recorded for these inputs (the fields diff reads)."""
    from pop_provider.core.certificates import parse_certificate, thumbprint

    cert = parse_certificate(checked_inputs["certificate_pem"])
    outs = {k: v for k, v in checked_inputs.items() if k not in inputs.SECRET_INPUTS}
    outs.update(thumbprint=thumbprint(cert), is_verified=True)
    outs.update(overrides)
    return outs


def test_check_resolves_the_target_and_a_stable_generated_name() -> None:
    ca = make_ca("check")
    first = checked(news(ca))
    assert first["target_id"] == HUB
    assert first["certificate_name"].startswith("fleet-root-")
    assert first["certificate_name_generated"] is True
    # Same inputs, same name: a create retried after a crash finds its certificate.
    assert checked(news(ca))["certificate_name"] == first["certificate_name"]
    # Names instead of the ARM id: the same target, the same name.
    by_names = checked(news(ca, hub_id=None, resource_group_name="rg", hub_name="hub-one"))
    assert by_names["target_id"] == HUB
    assert by_names["certificate_name"] == first["certificate_name"]


def test_check_gives_a_new_name_for_a_new_certificate_or_hub_or_stack() -> None:
    ca = make_ca("check")
    name = checked(news(ca))["certificate_name"]
    assert checked(news(make_ca("rotated")))["certificate_name"] != name
    assert checked(news(ca, hub_id=OTHER_HUB))["certificate_name"] != name
    assert checked(news(ca, name_scope="project/other-stack"))["certificate_name"] != name


def test_check_keeps_a_given_name_and_defaults_to_proof_mode() -> None:
    ca = make_ca("check")
    result = checked(news(ca, mode=None, certificate_name="my-ca"))
    assert result["certificate_name"] == "my-ca"
    assert result["certificate_name_generated"] is False
    assert result["mode"] == "proof"


def test_check_in_preview_tolerates_a_hub_that_does_not_exist_yet() -> None:
    ca = make_ca("check")
    result = checked(news(ca, hub_id=UNKNOWN))
    assert result["target_id"] == UNKNOWN
    assert result["certificate_name"] == UNKNOWN


def test_check_reports_every_failing_property_at_once() -> None:
    result = _check(
        {}, {"mode": "sometimes", "certificate_pem": "", "certificate_name": "a b"}, SUB
    )
    reasons = " | ".join(f"{f.property}:{f.reason}" for f in result.failures)
    assert "hub_id:no target" in reasons
    assert "certificate_pem: is empty" in reasons
    assert "mode:'sometimes' is not a mode" in reasons
    assert "certificate_name:'a b' is not a valid certificate name" in reasons


def test_check_gives_what_azure_will_report_so_a_preview_shows_it() -> None:
    from pop_provider.core.certificates import common_name, not_after, thumbprint

    ca = make_ca("local facts")
    result = checked(news(ca))
    assert result["thumbprint"] == thumbprint(ca.certificate)
    assert result["subject"] == common_name(ca.certificate) == "local facts"
    assert result["not_after"] == not_after(ca.certificate).isoformat()


def test_an_expired_ca_already_trusted_fails_check_not_a_silent_unchanged() -> None:
    """Check runs on every preview and up, for resources in the state too: olds are the
    inputs it was created with, and the same certificate has expired since."""
    expired = make_expired_ca()
    before = news(expired)
    result = _check(before, before, SUB)
    assert [f.reason for f in result.failures if "expired on" in f.reason], result.failures


def test_diff_no_change_for_same_inputs_or_a_new_mode_or_key() -> None:
    ca = make_ca("diff")
    current = checked(news(ca))
    olds = outputs_of(current)
    assert _diff(olds, current).changes is False
    assert _diff(olds, checked(news(ca, mode="auto", private_key_pem=None))).changes is False
    reencoded = checked(news(ca, certificate_pem=ca.certificate_der_base64))
    assert _diff(olds, reencoded).changes is False


def test_diff_replaces_a_new_certificate_before_deleting_the_old() -> None:
    ca = make_ca("diff")
    olds = outputs_of(checked(news(ca)))
    result = _diff(olds, checked(news(make_ca("rotated"))))
    assert result.changes is True
    assert "certificate_pem" in (result.replaces or [])
    assert result.delete_before_replace is False  # a new generated name: both can coexist


def test_diff_replaces_a_named_certificate_after_deleting_the_old() -> None:
    ca = make_ca("diff")
    olds = outputs_of(checked(news(ca, certificate_name="fixed")))
    result = _diff(olds, checked(news(make_ca("rotated"), certificate_name="fixed")))
    assert result.replaces == ("certificate_pem",)
    assert result.delete_before_replace is True  # one name on one hub: the old must go first


def test_diff_replaces_on_a_new_hub_and_updates_a_drifted_certificate() -> None:
    ca = make_ca("diff")
    current = checked(news(ca))
    olds = outputs_of(current)
    assert "target_id" in (_diff(olds, checked(news(ca, hub_id=OTHER_HUB))).replaces or [])
    unverified = _diff(outputs_of(current, is_verified=False), current)
    assert unverified.changes is True and not unverified.replaces
    swapped = _diff(outputs_of(current, thumbprint="0" * 40), current)
    assert swapped.replaces == ("certificate_pem",) and swapped.delete_before_replace is True


def test_a_renamed_resource_keeps_its_certificate_name_for_the_same_ca_and_hub() -> None:
    """Renamed with an alias: the old inputs come as olds; a new generated name would replace
    the certificate, deleting it before its copy is uploaded (a hub trusts a CA once)."""
    ca = make_ca("renamed")
    old = checked(news(ca))
    renamed = checked(news(ca, name_prefix="fleet-root-renamed"), olds=old)
    assert renamed["certificate_name"] == old["certificate_name"]
    assert _diff(outputs_of(old), renamed).changes is False
    # A new CA, or a new hub, still gets a name of its own (created beside, then the old goes).
    following = make_ca("next")
    for change in (
        {
            "certificate_pem": following.certificate_pem,
            "private_key_pem": following.private_key_pem,
        },
        {"hub_id": OTHER_HUB},
    ):
        moved = checked(news(ca, name_prefix="fleet-root-renamed", **change), olds=old)
        assert moved["certificate_name"] != old["certificate_name"]


def test_check_refuses_a_second_resource_declaring_one_ca_on_one_hub(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The provider's own guard, for programs of any language: one line naming both."""
    from pop_provider.core.connection import ConnectionSettings
    from pop_provider.core.ownership import Declarations
    from pop_provider.core.verbs import CertificateVerbs

    provider = CertificateVerbs(Declarations())
    monkeypatch.setattr(provider, "_runtime", type("R", (), {"settings": ConnectionSettings()}))
    ca = make_ca("checked twice")
    assert provider.check({}, news(ca, name_prefix="dup-a")).failures == []
    assert provider.check({}, news(ca, name_prefix="dup-a")).failures == []  # itself again
    assert provider.check({}, news(ca, name_prefix="elsewhere", hub_id=OTHER_HUB)).failures == []
    (failure,) = provider.check({}, news(ca, name_prefix="dup-b")).failures
    assert failure.reason.startswith("resources 'dup-a' and 'dup-b' both declare the same CA")
    assert "on IoT hub 'hub-one'" in failure.reason
