"""Diff for `VerifiedCaCertificate`: local, no call to Azure. What replaces the certificate
(and in which order, so trust never lapses), and what an update repairs (drift, a proof due)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pop_provider.core import inputs
from pop_provider.core.declaration import Mode
from pop_provider.core.state import CODE, IS_VERIFIED, THUMBPRINT, same_target, thumbprint_of


@dataclass(frozen=True)
class Diff:
    changes: bool
    replaces: tuple[str, ...] = ()
    delete_before_replace: bool = False


def diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
    """olds: the recorded outputs (refreshed, if the user ran refresh); news: checked inputs."""
    replaces: list[str] = []
    if not same_target(olds, news):
        replaces.append(inputs.TARGET_ID)
    if news.get(inputs.CERTIFICATE_NAME) != olds.get(inputs.CERTIFICATE_NAME):
        replaces.append(inputs.CERTIFICATE_NAME)
    new_pem = news.get(inputs.CERTIFICATE_PEM)
    if inputs.is_unknown(new_pem) or thumbprint_of(news) != olds.get(THUMBPRINT):
        replaces.append(inputs.CERTIFICATE_PEM)
    if replaces:
        # On the same hub the old certificate must go first when the name stays (one slot) or
        # only the name changes (a hub trusts a CA once); a new certificate under a new name is
        # created and verified before the old one is deleted, so trust never lapses.
        same_hub = inputs.TARGET_ID not in replaces
        only_one_changes = (inputs.CERTIFICATE_NAME in replaces) != (
            inputs.CERTIFICATE_PEM in replaces
        )
        first_delete = same_hub and only_one_changes
        return Diff(changes=True, replaces=tuple(replaces), delete_before_replace=first_delete)
    if olds.get(IS_VERIFIED):
        return Diff(changes=False)
    awaiting_offline_proof = (
        news.get(inputs.MODE) == Mode.OFFLINE.value
        and not news.get(inputs.PROOF_CERTIFICATE_PEM)
        and olds.get(CODE)
    )
    # Unverified: drifted (update proves possession again) or, offline, a proof to submit; an
    # offline certificate with a code out and no proof yet waits for the operator.
    return Diff(changes=not awaiting_offline_proof)
