"""The verbs of `EnrollmentGroup`, engine-neutral like CertificateVerbs: check (every local rule,
then the two that need Azure), diff (local), create (never over an existing group), read
(refresh and import), update and delete (both with If-Match).

What a run costs: one ARM GET per DPS whose service API the run reaches (its host, and its
linked hubs for the check of `iotHubs`), cached for the run; at check, one ARM list of the DPS's
certificates only when a reference names a certificate no resource of the program declares
there (in the plugin, the list the certificates' verbs read too); then per group, create a GET
and a PUT, refresh a GET, update a PUT, delete a DELETE. A no-change `up` without refresh calls
nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pulumi.runtime.rpc import UNKNOWN

from pop_provider import failures
from pop_provider.core import messages
from pop_provider.core.check import Checked, Failure
from pop_provider.core.connection import ConnectionSettings
from pop_provider.core.diff import Diff
from pop_provider.core.enrollment import group as g
from pop_provider.core.enrollment import wire
from pop_provider.core.enrollment.claims import GroupClaims
from pop_provider.core.enrollment.group import DesiredGroup
from pop_provider.core.enrollment.outcomes import GroupEtagStale, GroupNotFound, GroupTaken
from pop_provider.core.errors import InvalidInput
from pop_provider.core.ownership import Declarations
from pop_provider.core.remote import CertificateNotFound, TargetMissing
from pop_provider.core.reported import reported
from pop_provider.core.runtime import Runtime, settings_from
from pop_provider.core.target import Target
from pop_provider.core.verbs import Read
from pop_provider.failures import InputError

if TYPE_CHECKING:  # a program imports the faces for their types, and never needs azure-core
    from pop_provider.core.enrollment.service import DpsServices, GroupApi


@dataclass(frozen=True)
class GroupDiff(Diff):
    """A diff that also names the settings an update in place changes (drift included)."""

    updates: tuple[str, ...] = ()


class EnrollmentGroupVerbs:
    """The verbs for `EnrollmentGroup`, for one provider process (thread-safe).

    `declared` is the same Declarations the certificates' verbs fill at check: a reference to a
    certificate that a VerifiedCaCertificate of this deployment declares on the DPS is trusted
    to be Verified by the time the group is created (the program passes `certificateName`, so
    the group waits for it); any other name is looked up on the DPS.
    """

    def __init__(
        self,
        declared: Declarations,
        namespace: str = "azure-native",
        claims: GroupClaims | None = None,
        shared_runtime: Callable[[], Runtime] | None = None,
    ) -> None:
        self._declared = declared
        self._claims = claims or GroupClaims()
        self._namespace = namespace
        # The certificates' verbs' runtime, when one process serves both (the plugin): one
        # credential and token, and one list of a DPS's certificates per run for both.
        self._shared_runtime = shared_runtime
        self._runtime: Runtime | None = None
        self._services: DpsServices | None = None
        self._services_of: Runtime | None = None  # the runtime _services was built on
        self._lock = threading.Lock()
        self._program_ran = False

    def configure(self, config: Callable[[str], Any] | None) -> None:
        """Connection settings from the provider's config (never stored) and the environment
        (the shared runtime's owner configures it)."""
        runtime = None if self._shared_runtime else Runtime(settings_from(config, self._namespace))
        with self._lock:
            self._runtime, self._services = runtime, None

    @property
    def runtime(self) -> Runtime:
        """Settings and clients of this process (the certificates' verbs', when shared)."""
        if self._shared_runtime is not None:
            return self._shared_runtime()
        with self._lock:
            if self._runtime is None:
                self._runtime = Runtime(settings_from(None, self._namespace))
            return self._runtime

    @property
    def services(self) -> DpsServices:
        """The DPS service APIs, on this run's runtime (imported here: azure-core and
        Microsoft's client load in the provider process only)."""
        from pop_provider.core.enrollment.service import DpsServices

        runtime = self.runtime
        with self._lock:
            if self._services is None or self._services_of is not runtime:
                self._services = DpsServices(runtime.settings, runtime.clients.credential)
                self._services_of = runtime
            return self._services

    def settings_for_errors(self) -> ConnectionSettings:
        """The settings an error message refers to (defaults, if even they failed to load)."""
        if self._shared_runtime is not None:
            try:
                return self._shared_runtime().settings
            except Exception:  # the settings themselves are what failed
                return ConnectionSettings(namespace=self._namespace)
        if self._runtime is not None:
            return self._runtime.settings
        return ConnectionSettings(namespace=self._namespace)

    # -- check ---------------------------------------------------------------------------------

    @reported("check")
    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Checked:
        """Every local rule first (no call to Azure when one fails), then the claim, then the
        rules that need Azure: the references and the hubs."""
        self._program_ran = True
        checked = dict(news)
        found: list[Failure] = []
        checked.pop(g.TARGET_ID, None)
        target = None
        if any(g.is_unknown(news.get(key)) for key in g.TARGET_INPUTS):
            checked[g.TARGET_ID] = UNKNOWN
        else:
            target = _attempt(
                found, lambda: g.resolve_dps(news, self.runtime.settings.default_subscription_id)
            )
            if target is not None:
                checked[g.TARGET_ID] = target.arm_id
        group_id = None
        if not g.is_unknown(news.get(g.GROUP_ID)):
            group_id = _attempt(found, lambda: g.parse_group_id(news))
        _settings, problems = g.check_settings(news)
        found.extend(Failure(p.field, p.reason) for p in problems)
        if found or target is None:
            return Checked(checked, found)
        owner = str(news.get(g.OWNER) or "")
        if group_id is not None and owner:
            holder = self._claims.claim(target.arm_id, group_id, owner)
            if holder is not None:
                found.append(Failure("", messages.group_claimed(group_id, target, holder, owner)))
                return Checked(checked, found)
        found.extend(self._check_references(target, news))
        found.extend(self._check_hubs(target, news))
        return Checked(checked, found)

    def _check_references(self, target: Target, news: Mapping[str, Any]) -> list[Failure]:
        """A name no resource of the program declares on the DPS must be Verified there: one
        ARM list of the DPS's certificates (shared with the certificates' verbs of the run)."""
        undeclared = [
            (field, str(news[field]))
            for field in (g.PRIMARY, g.SECONDARY)
            if news.get(field)
            and not g.is_unknown(news.get(field))
            and not self._declared.owner_of(target.arm_id, str(news[field]), besides="")
        ]
        if not undeclared:
            return []
        try:
            listed = self.runtime.clients.certificates(target).list()
        except (TargetMissing, CertificateNotFound):
            return []  # no DPS yet: create says so, naming it
        by_name = {cert.name.lower(): cert for cert in listed}
        result: list[Failure] = []
        for field, name in undeclared:
            cert = by_name.get(name.lower())
            if cert is None:
                reason = messages.reference_missing(field, name, target, [c.name for c in listed])
                result.append(Failure(field, reason))
            elif not cert.is_verified:
                result.append(Failure(field, messages.reference_unverified(field, name, target)))
        return result

    def _check_hubs(self, target: Target, news: Mapping[str, Any]) -> list[Failure]:
        """Every hub of `iot_hubs` linked to the DPS: one ARM GET of the DPS, cached per run."""
        hubs = news.get(g.IOT_HUBS) or []
        if not hubs or any(g.is_unknown(h) for h in hubs):
            return []
        try:
            linked = self.services.facts(target).linked_hubs
        except TargetMissing:
            return []
        unknown = [h for h in hubs if h.lower() not in linked]
        if not unknown:
            return []
        return [Failure(g.IOT_HUBS, messages.hubs_not_linked(unknown, target, sorted(linked)))]

    # -- diff ----------------------------------------------------------------------------------

    @reported("diff")
    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> GroupDiff:
        """Another DPS or group id replaces the group; any other change, or drift a refresh
        found (disabled, references changed), is an update in place."""
        replaces: list[str] = []
        old_target, new_target = olds.get(g.TARGET_ID), news.get(g.TARGET_ID)
        if g.is_unknown(new_target) or str(old_target or "").lower() != str(new_target).lower():
            replaces.append(g.TARGET_ID)
        if news.get(g.GROUP_ID) != olds.get(g.GROUP_ID):
            replaces.append(g.GROUP_ID)
        if replaces:
            return GroupDiff(changes=True, replaces=tuple(replaces))
        updates = g.changed_settings(olds, news)
        return GroupDiff(changes=bool(updates), updates=updates)

    # -- create, read, update, delete ----------------------------------------------------------

    @reported("create")
    def create(self, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """A GET that must find the id free (one owner per group id per DPS), then a PUT
        without If-Match."""
        desired = self._desired(props)
        api = self.services.groups(desired.target)
        if api.get(desired.group_id) is not None:
            raise failures.EnrollmentGroupExists(
                messages.group_exists(desired.group_id, desired.target, desired.arm_id)
            )
        try:
            created = api.create(desired.group_id, wire.wire_body(desired))
        except GroupTaken:  # made by someone else between the GET and the PUT
            raise failures.EnrollmentGroupExists(
                messages.group_exists(desired.group_id, desired.target, desired.arm_id)
            ) from None
        return desired.arm_id, _outputs(props, desired, created)

    @reported("read")
    def read(self, id_: str, props: Mapping[str, Any]) -> Read:
        """The group as the DPS holds it (refresh), or, with no recorded properties, the
        inputs that declare it (import, by `<DPS ARM id>/enrollmentGroups/<id>`)."""
        target, group_id = self._location(id_, props)
        try:
            remote = self.services.groups(target).get(group_id)
        except TargetMissing:
            remote = None  # the DPS is gone, and its groups with it
        if remote is None:
            return Read(id="", outputs={}, inputs={})
        settings = wire.remote_settings(remote)
        if not props and not settings[g.PRIMARY]:
            raise InputError(messages.group_not_ca_bound(group_id, target))
        outs = {
            **props,
            **settings,
            **wire.remote_outputs(remote),
            g.ARM_ID: g.group_arm_id(target, group_id),
            g.TARGET_ID: target.arm_id,
        }
        declared = {k: v for k, v in props.items() if k in g.CORE_INPUTS}
        if not props:
            defaults = g.normalized({})
            declared = {
                g.DPS_ID: target.arm_id,
                g.GROUP_ID: group_id,
                **{k: v for k, v in settings.items() if v != defaults[k] or k == g.PRIMARY},
            }
            outs.update(declared)
        return Read(id=g.group_arm_id(target, group_id), outputs=outs, inputs=declared)

    @reported("update")
    def update(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """A PUT with the recorded etag; a 412 is re-read and reported (never overwritten
        unseen)."""
        desired = self._desired(news)
        api = self.services.groups(desired.target)
        try:
            updated = api.update(
                desired.group_id, wire.wire_body(desired), str(olds.get(g.ETAG) or "")
            )
        except (GroupEtagStale, GroupNotFound):
            raise self._changed(api, desired.group_id) from None
        return _outputs(news, desired, updated)

    @reported("delete")
    def delete(self, id_: str, props: Mapping[str, Any]) -> None:
        """A DELETE with the recorded etag; a group (or DPS) already gone is success."""
        target, group_id = self._location(id_, props)
        try:
            api = self.services.groups(target)
            api.delete(group_id, str(props.get(g.ETAG) or ""))
        except TargetMissing:
            return
        except GroupEtagStale:
            if api.get(group_id) is not None:
                raise self._changed(api, group_id) from None

    # -- helpers -------------------------------------------------------------------------------

    def _desired(self, props: Mapping[str, Any]) -> DesiredGroup:
        """Typed inputs, judged again at apply (values unknown at preview are known now)."""
        try:
            target = g.resolve_dps(props, self.runtime.settings.default_subscription_id)
            group_id = g.parse_group_id(props)
            settings, problems = g.check_settings(props)
        except InvalidInput as error:
            raise InputError(messages.invalid_input(error)) from None
        if problems:
            raise InputError(messages.invalid_input(problems[0]))
        return DesiredGroup(target, group_id, settings)

    def _location(self, id_: str, props: Mapping[str, Any]) -> tuple[Target, str]:
        recorded = props.get(g.TARGET_ID)
        if props and recorded and props.get(g.GROUP_ID):
            target, _ = g.parse_group_arm_id(f"{recorded}{g.ID_SEGMENT}{props[g.GROUP_ID]}")
            return target, str(props[g.GROUP_ID])
        try:
            return g.parse_group_arm_id(id_)
        except InvalidInput as error:
            raise InputError(messages.invalid_input(error)) from None

    @staticmethod
    def _changed(api: GroupApi, group_id: str) -> failures.ChangedOutOfBand:
        now = api.get(group_id)
        return failures.ChangedOutOfBand(
            messages.group_changed(group_id, api.target, messages.group_now(now))
        )


def _attempt(found: list[Failure], step: Callable[[], Any]) -> Any:
    try:
        return step()
    except InvalidInput as error:
        found.append(Failure(error.field, error.reason))
        return None


def _outputs(
    props: Mapping[str, Any], desired: DesiredGroup, remote: Mapping[str, Any]
) -> dict[str, Any]:
    """The state: the inputs as declared, the DPS's id, and what the DPS reports."""
    return {
        **props,
        g.TARGET_ID: desired.target.arm_id,
        g.ARM_ID: desired.arm_id,
        **wire.remote_outputs(remote),
    }
