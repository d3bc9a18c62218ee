"""The targets of one CA trusted on many hubs and DPS (`TrustedCa`, in both faces): each
target's label, which names its child certificate, and the rules a list of targets obeys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pop_provider.core.target import TargetError, parse_target_id

# A list of targets that cannot be declared: a TargetError whose `part` is "targets"; the name is
# kept for the faces that catch it (pop_provider.dynamic.trust).
TargetsError = TargetError


def label_of(index: int, name: Any, names: Sequence[Any], arm_ids: Sequence[Any]) -> str:
    """`name` if given, else the hub's or DPS's name when the program knows it. `names`: the
    target's hub and DPS names; `arm_ids`: its hub and DPS ids (either may be unknown)."""
    if isinstance(name, str) and name:
        return name
    for value in names:
        if isinstance(value, str) and value:
            return value
    for arm_id in arm_ids:
        if isinstance(arm_id, str) and arm_id:
            try:
                return parse_target_id(arm_id).name
            except TargetError:
                return f"target-{index}"  # the child's check names what is wrong with it
    raise TargetsError(
        "targets",
        f"targets[{index}]: give it a `name`: its hub or DPS is an Output (e.g. an "
        "azure-native resource's id), so the child resource cannot be named after it",
    )


def check_labels(resource_name: str, labels: Sequence[str]) -> None:
    if not labels:
        raise TargetsError(
            "targets", f"{resource_name}: `targets` is empty; give at least one hub or DPS"
        )
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise TargetsError(
            "targets",
            f"{resource_name}: targets {repeated} appear twice; give each a distinct `name`",
        )
