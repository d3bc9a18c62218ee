"""One owner per CA per target: which claims conflict, and who holds a certificate."""

from __future__ import annotations

from pop_provider.core.inputs import generate_certificate_name
from pop_provider.core.ownership import Declaration, Declarations, HolderKind, holder_of

HUB = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/hub-one"
OTHER_HUB = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/hub-two"


def claim(owner: str, target: str = HUB, thumbprint: str = "AB01", name: str | None = None):
    return Declaration(owner, target, "IoT hub 'hub-one'", thumbprint, name)


def test_the_same_ca_or_name_on_one_target_conflicts_naming_the_first_declared_first() -> None:
    declared = Declarations()
    assert declared.add(claim("root-a")) is None
    assert declared.add(claim("root-a")) is None  # its own claim again: one owner
    assert declared.add(claim("elsewhere", OTHER_HUB)) is None  # same CA, another hub: fine
    conflict = declared.add(claim("root-b", HUB.upper(), "ab01"))  # ARM ids ignore case
    assert conflict is not None
    assert conflict.first.owner == "root-a" and conflict.second.owner == "root-b"
    assert conflict.message.startswith(
        "resources 'root-a' and 'root-b' both declare the same CA (thumbprint AB01) on IoT hub "
        "'hub-one'; a target trusts a CA once and one resource owns it"
    )
    # Met from the first one's side, the same line: each pair is reported once.
    again = declared.add(claim("root-a"))
    assert again is not None and again.message == conflict.message


def test_one_certificate_name_for_two_cas_conflicts_and_names_are_found_by_owner() -> None:
    declared = Declarations()
    declared.add(claim("root-a", name="Fleet-Root"))
    conflict = declared.add(claim("root-b", thumbprint="CD02", name="fleet-root"))
    assert conflict is not None and conflict.shared == "the same certificate name 'fleet-root'"
    assert declared.owner_of(HUB, "FLEET-ROOT", besides="root-a") == "root-b"
    assert declared.owner_of(HUB, "fleet-root", besides="nobody") in ("root-a", "root-b")
    assert declared.owner_of(OTHER_HUB, "fleet-root", besides="nobody") is None


def test_a_holder_is_this_runs_resource_this_stacks_old_one_or_not_this_stack() -> None:
    scope = "pop-provider/prod"
    generated = generate_certificate_name("dup-a", scope, HUB, "AB01")
    declared = holder_of(generated, target_id=HUB, thumbprint="AB01", scope=scope, declared_by="x")
    assert declared.kind is HolderKind.DECLARED
    assert declared.description == "which resource 'x' of this stack declares"

    left = holder_of(generated, target_id=HUB, thumbprint="AB01", scope=scope, declared_by=None)
    assert left.kind is HolderKind.LEFT_BEHIND and left.resource == "dup-a"
    assert "resource 'dup-a' of this stack (pop-provider/prod) uploaded" in left.description

    # Another stack's generated name, or a name given by hand: not this stack.
    for name in (generate_certificate_name("dup-a", "other/stack", HUB, "AB01"), "root-by-hand"):
        held = holder_of(name, target_id=HUB, thumbprint="AB01", scope=scope, declared_by=None)
        assert held.kind is HolderKind.ELSEWHERE
        assert held.description.startswith("not uploaded by this stack")
