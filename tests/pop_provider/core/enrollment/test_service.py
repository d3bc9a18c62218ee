"""How the DPS service API is reached: the host and linked hubs from one ARM GET per DPS per
run, the shared credential with this cloud's DPS scope, and a policy's key only when named."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from azure.core.credentials import AccessToken, AzureNamedKeyCredential
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import RequestsTransport

from pop_provider import failures
from pop_provider.core.connection import ConnectionSettings, load_settings
from pop_provider.core.enrollment.service import DpsServices
from pop_provider.core.error_chain import is_refused
from pop_provider.core.target import TargetKind, make_target
from tests.sockets import refusing_port

DPS = make_target(TargetKind.DPS, "00000000-0000-0000-0000-0000000000a1", "rg", "dps-one")


class FakeArm:
    """IotDpsClient's two calls the service needs, counted."""

    def __init__(self, host: str | None = "127.0.0.1:4443", policy: str = "owner") -> None:
        self.calls: list[str] = []
        self.host = host
        self.policy = policy
        self.iot_dps_resource = self

    def get(self, name: str, group: str) -> Any:
        self.calls.append("get")
        hubs = [
            SimpleNamespace(name="hub-one.azure-devices.net", connection_string=None),
            SimpleNamespace(
                name=None, connection_string="HostName=Hub-Two.azure-devices.net;SharedAccessKey=x"
            ),
        ]
        return SimpleNamespace(
            properties=SimpleNamespace(service_operations_host_name=self.host, iot_hubs=hubs)
        )

    def list_keys_for_key_name(self, name: str, policy: str, group: str) -> Any:
        self.calls.append(f"listKeys {policy}")
        if policy != self.policy:
            raise HttpResponseError(message="policy not found", response=_Response(404))  # type: ignore[arg-type]
        return SimpleNamespace(key_name=policy, primary_key="c2VjcmV0")


class _Response:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.reason = "Not Found"
        self.headers: dict[str, str] = {}

    def text(self) -> str:
        return ""


class Credential:
    def __init__(self) -> None:
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **_kwargs: Any) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken("token", 0)


def services(settings: ConnectionSettings, arm: FakeArm, credential: Credential) -> DpsServices:
    found = DpsServices(settings, lambda: credential)
    found._arm_client = lambda _sub: arm  # type: ignore[method-assign,assignment]
    return found


def test_the_host_and_linked_hubs_are_one_arm_get_per_run() -> None:
    arm = FakeArm()
    dps = services(ConnectionSettings(), arm, Credential())
    facts = dps.facts(DPS)
    assert facts.service_host == "127.0.0.1:4443"
    assert facts.linked_hubs == {"hub-one.azure-devices.net", "hub-two.azure-devices.net"}
    dps.groups(DPS)
    dps.facts(DPS)
    assert arm.calls == ["get"]


def test_a_dps_without_its_service_host_says_to_wait() -> None:
    with pytest.raises(failures.TargetNotFound, match="reports no serviceOperationsHostName"):
        services(ConnectionSettings(), FakeArm(host=None), Credential()).facts(DPS)


def test_the_entra_credential_by_default_with_this_clouds_scope() -> None:
    credential = Credential()
    public = services(ConnectionSettings(), FakeArm(), credential)
    assert public._service_credential(DPS) is credential
    china = load_settings(lambda key: "china" if key == "pop:environment" else None, {}, "pop")
    scoped = services(china, FakeArm(), credential)._service_credential(DPS)
    scoped.get_token("https://azure-devices-provisioning.net/.default")
    assert credential.scopes == ["https://azure-devices-provisioning.cn/.default"]


def test_a_policy_key_only_when_named_and_an_unknown_policy_is_one_line() -> None:
    settings = load_settings(
        lambda key: "owner" if key == "pop:dpsSharedAccessPolicy" else None, {}, "pop"
    )
    assert settings.dps_shared_access_policy == "owner"
    arm = FakeArm()
    credential = services(settings, arm, Credential())._service_credential(DPS)
    assert isinstance(credential, AzureNamedKeyCredential)
    assert credential.named_key.name == "owner"
    assert arm.calls == ["listKeys owner"]
    from_env = load_settings(environ={"POP_DPS_SHARED_ACCESS_POLICY": "other"})
    with pytest.raises(failures.InputError, match="pop:dpsSharedAccessPolicy 'other' is not"):
        services(from_env, FakeArm(), Credential())._service_credential(DPS)
    assert load_settings(environ={}).dps_shared_access_policy is None


def test_a_refused_service_host_fails_at_once_like_arm(monkeypatch: pytest.MonkeyPatch) -> None:
    """The DPS service client shares ARM's retry policy: a refused connection is one attempt,
    not azure-core's default backoff."""
    sent: list[str] = []
    send = RequestsTransport.send

    def counted(self: RequestsTransport, request: Any, **kwargs: Any) -> Any:
        sent.append(request.url)
        return send(self, request, **kwargs)

    monkeypatch.setattr(RequestsTransport, "send", counted)
    with refusing_port() as port:
        groups = services(ConnectionSettings(), FakeArm(f"127.0.0.1:{port}"), Credential())
        with pytest.raises(Exception) as raised:
            groups.groups(DPS).get("fleet")
    assert is_refused(raised.value)
    assert len(sent) == 1
