"""Wiring and process lifecycle: build the backends and routes, serve HTTPS, announce readiness.

Readiness is one JSON line on stdout, printed once uvicorn accepts connections; nothing else is
ever written to stdout (logs go to stderr).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from azure_iot_emulator.address import listen
from azure_iot_emulator.admin import urls as admin_urls
from azure_iot_emulator.admin.responses import AdminResponses
from azure_iot_emulator.app import EmulatorApp
from azure_iot_emulator.arm import urls as arm_urls
from azure_iot_emulator.arm.auth import BearerAuthenticator
from azure_iot_emulator.arm.models import ArmBackend
from azure_iot_emulator.arm.pipeline import ArmGate
from azure_iot_emulator.arm.responses import ArmResponses
from azure_iot_emulator.authorization import urls as authorization_urls
from azure_iot_emulator.authorization.models import RoleBackend
from azure_iot_emulator.authorization.responses import RoleResponses
from azure_iot_emulator.cloud import urls as cloud_urls
from azure_iot_emulator.cloud.responses import CloudResponses
from azure_iot_emulator.dataplane import DataPlanes
from azure_iot_emulator.device_api import urls as device_api_urls
from azure_iot_emulator.device_api.listener import DeviceListener
from azure_iot_emulator.device_api.models import RegistrationBackend
from azure_iot_emulator.device_api.responses import INSTANCE as DEVICE_INSTANCE
from azure_iot_emulator.device_api.responses import KIND as DEVICE_KIND
from azure_iot_emulator.device_api.responses import RegistrationResponses
from azure_iot_emulator.devices.models import CertificateBackend
from azure_iot_emulator.dps import models as dps_models
from azure_iot_emulator.dps import urls as dps_urls
from azure_iot_emulator.dps.responses import (
    DPS_LIST_WIRE,
    DpsCertificateResponses,
    DpsResourceResponses,
    dps_key_responses,
)
from azure_iot_emulator.dps_service import urls as dps_service_urls
from azure_iot_emulator.dps_service.auth import ServiceAuthenticator
from azure_iot_emulator.dps_service.models import EnrollmentGroupBackend
from azure_iot_emulator.dps_service.responses import KIND as DPS_KIND
from azure_iot_emulator.dps_service.responses import EnrollmentGroupResponses
from azure_iot_emulator.faults import FaultInjector, RandomFaults, Scripted, ScriptedFailure
from azure_iot_emulator.github_oidc import urls as github_oidc_urls
from azure_iot_emulator.github_oidc.models import GithubActionsIssuer
from azure_iot_emulator.github_oidc.responses import GithubOidcResponses
from azure_iot_emulator.graph import urls as graph_urls
from azure_iot_emulator.graph.auth import GraphAuthenticator
from azure_iot_emulator.graph.models import Directory
from azure_iot_emulator.graph.responses import INSTANCE as GRAPH_INSTANCE
from azure_iot_emulator.graph.responses import KIND as GRAPH_KIND
from azure_iot_emulator.graph.responses import GraphResponses
from azure_iot_emulator.hub_registry import urls as hub_registry_urls
from azure_iot_emulator.hub_registry.auth import RegistryAuthenticator
from azure_iot_emulator.hub_registry.keys import hub_keys
from azure_iot_emulator.hub_registry.models import DeviceRegistry
from azure_iot_emulator.hub_registry.responses import KIND as HUB_KIND
from azure_iot_emulator.hub_registry.responses import DeviceRegistryResponses, hub_key_responses
from azure_iot_emulator.identity import urls as identity_urls
from azure_iot_emulator.identity.keys import (
    load_or_create_oidc_issuer_key,
    load_or_create_signing_key,
)
from azure_iot_emulator.identity.models import IdentityBackend
from azure_iot_emulator.identity.responses import IdentityResponses
from azure_iot_emulator.iothub import models as iothub_models
from azure_iot_emulator.iothub import urls as iothub_urls
from azure_iot_emulator.iothub.responses import (
    HUB_LIST_WIRE,
    IotHubCertificateResponses,
    IotHubResourceResponses,
)
from azure_iot_emulator.keyvault import urls as keyvault_urls
from azure_iot_emulator.keyvault.auth import VaultAuthenticator
from azure_iot_emulator.keyvault.models import KeyVaultBackend
from azure_iot_emulator.keyvault.responses import KeyVaultResponses
from azure_iot_emulator.ratelimit import ArmThrottle, RateLimits
from azure_iot_emulator.requestlog import RequestLog
from azure_iot_emulator.routing import Router
from azure_iot_emulator.seed import (
    Seed,
    apply_seed,
    default_seed,
    federated_sign_in,
    load_seed,
)
from azure_iot_emulator.store import Rows, Store
from azure_iot_emulator.tls import ensure_tls

log = logging.getLogger("azure_iot_emulator")


@dataclass
class Emulator:
    """Everything one emulator process holds."""

    app: EmulatorApp
    store: Store
    faults: FaultInjector
    requests: RequestLog
    admin: AdminResponses
    seed: Seed
    throttle: ArmThrottle
    # The state database as the process found it once the seed was applied.
    started: Rows

    def reset(self) -> None:
        """Back to the state just after start: held requests dropped unapplied, the seed's faults
        and throttle (every bucket full), hourly budgets unspent, an empty request log (its
        sequence numbers keep counting), and the state database, on disk too, as it was. The
        TLS files, signing keys and port stay: clients keep trusting the emulator and their
        tokens stay valid."""
        self.faults.reset(*seed_faults(self.seed))
        self.store.restore(self.started)
        self.throttle.configure(self.seed.arm_throttle)
        self.app.rate_limits = RateLimits()
        self.requests.clear()


def seed_faults(seed: Seed) -> tuple[RandomFaults, list[Scripted]]:
    """The seed's ``faults`` object (all off when absent), as new objects each call."""
    settings = dict(seed.faults)
    scripted: list[Scripted] = [ScriptedFailure(**s) for s in settings.pop("scripted", [])]
    return RandomFaults(**settings), scripted


def fault_injector(seed: Seed) -> FaultInjector:
    """Faults from the seed's ``faults`` object (off when absent)."""
    return FaultInjector(*seed_faults(seed))


def build_emulator(state_dir: Path, seed: Seed, dataplanes: DataPlanes | None = None) -> Emulator:
    """Open the state, apply the seed, wire backends, handlers and routes.

    ``dataplanes`` are the data-plane ports (run() binds them on ``--host``); without it, ports
    on 127.0.0.1 are bound on demand only.
    """
    store = Store(state_dir / "state.sqlite3")
    apply_seed(store, seed)
    dataplanes = dataplanes or DataPlanes(state_dir, "127.0.0.1")
    sas_keys = dps_models.SasKeys(store)
    hub_sas_keys = hub_keys(store)
    github = GithubActionsIssuer(
        load_or_create_oidc_issuer_key(state_dir),
        seed.github_actions.request_token,
        seed.github_actions.subject,
    )
    issuers = [github.trusted(), *seed.oidc_issuers]

    def graph_url() -> str:
        """Microsoft Graph's URL: the emulator's Graph port (README "Microsoft Graph")."""
        return f"https://{dataplanes.host_of(GRAPH_KIND, GRAPH_INSTANCE)}/"

    identity = IdentityBackend(
        store,
        load_or_create_signing_key(state_dir),
        token_lifetime=timedelta(seconds=seed.limits.token_lifetime_s),
        issuers={issuer.issuer: issuer for issuer in issuers},
        graph_resource=graph_url,
    )
    arm = ArmBackend(store)
    authenticator = BearerAuthenticator(identity)
    throttle = ArmThrottle(seed.arm_throttle)
    gate = ArmGate(arm, authenticator, throttle)
    hub_certificates = CertificateBackend(
        store, iothub_models.certificate_policy(seed.limits.iothub_max_certificates)
    )
    dps_certificates = CertificateBackend(
        store, dps_models.certificate_policy(seed.limits.dps_max_certificates)
    )
    routes = []
    if seed.key_vault is not None:
        # First: "/keys/..." must not be taken for a tenant's "/{tenant}/discovery/keys".
        vault = KeyVaultBackend(store, seed.key_vault.name, seed.key_vault.tenant_id)
        routes += keyvault_urls.routes(
            KeyVaultResponses(vault, VaultAuthenticator(identity, seed.key_vault.tenant_id))
        )
    routes += (
        cloud_urls.routes(CloudResponses(graph_url))
        + identity_urls.routes(IdentityResponses(identity))
        + arm_urls.routes(ArmResponses(arm, gate))
        + authorization_urls.routes(RoleResponses(RoleBackend(store, arm, identity), arm, gate))
        + iothub_urls.routes(
            IotHubResourceResponses(gate, arm, dataplanes=dataplanes),
            IotHubResourceResponses(gate, arm, HUB_LIST_WIRE, dataplanes=dataplanes),
            IotHubCertificateResponses(gate, hub_certificates),
        )
        + hub_registry_urls.arm_routes(hub_key_responses(gate, hub_sas_keys))
        + dps_urls.routes(
            DpsResourceResponses(gate, arm, dataplanes=dataplanes),
            DpsResourceResponses(gate, arm, DPS_LIST_WIRE, dataplanes=dataplanes),
            DpsCertificateResponses(gate, dps_certificates),
            dps_key_responses(gate, sas_keys),
        )
    )
    # The DPS service API, served on each DPS's own port (dataplane.py).
    groups = EnrollmentGroupBackend(store)
    dps_service_routes = dps_service_urls.routes(
        EnrollmentGroupResponses(
            groups,
            ServiceAuthenticator(identity, arm, sas_keys),
            arm,
            dps_certificates,
            dataplanes,
        )
    )
    # A hub's registry API on each hub's own port; the DPS device API on the one device port.
    registry = DeviceRegistry(store)
    hub_registry_routes = hub_registry_urls.routes(
        DeviceRegistryResponses(
            registry, RegistryAuthenticator(hub_sas_keys, identity, arm), arm, dataplanes
        )
    )
    device_routes = device_api_urls.routes(
        RegistrationResponses(
            RegistrationBackend(
                store,
                arm,
                dps_certificates,
                groups,
                registry,
                lambda hub: dataplanes.host_of(HUB_KIND, hub),
            )
        )
    )
    # Microsoft Graph on its own port, as graph.microsoft.com is its own host.
    graph_routes = graph_urls.routes(GraphResponses(Directory(store), GraphAuthenticator(identity)))
    dataplane_routes = dps_service_routes + hub_registry_routes + device_routes + graph_routes
    faults = fault_injector(seed)
    requests = RequestLog()
    admin = AdminResponses(faults, requests, {}, throttle)
    admin.know_operations(route.operation_id for route in routes + dataplane_routes)
    admin_routes = admin_urls.routes(admin) + github_oidc_urls.routes(
        GithubOidcResponses(github, github_oidc_urls.JWKS_PATH)
    )
    app = EmulatorApp(
        Router(routes),
        Router(admin_routes),
        faults,
        requests,
        throttle=throttle,
        dataplanes=dataplanes,
        dataplane_routers={
            DPS_KIND: Router(dps_service_routes),
            HUB_KIND: Router(hub_registry_routes),
            DEVICE_KIND: Router(device_routes),
            GRAPH_KIND: Router(graph_routes),
        },
    )
    emulator = Emulator(app, store, faults, requests, admin, seed, throttle, store.tables())
    admin.reset_state = emulator.reset
    return emulator


def open_dataplanes(store: Store, dataplanes: DataPlanes) -> None:
    """Bind the port of every DPS and hub in the state, and Microsoft Graph's (recorded ports
    first), before serving."""
    dataplanes.open(GRAPH_KIND, GRAPH_INSTANCE)
    arm = ArmBackend(store)
    for subscription in arm.subscriptions():
        for resource in arm.resources(subscription.subscription_id, "dps"):
            dataplanes.open(DPS_KIND, resource.name)
        for resource in arm.resources(subscription.subscription_id, "iothub"):
            dataplanes.open(HUB_KIND, resource.name)


def announcement(base_url: str, ca_bundle: Path, seed: Seed, emulator: Emulator) -> dict[str, Any]:
    """The JSON line: where to connect, what to trust, what exists, who may log in."""
    first_sub = seed.subscriptions[0]
    first_group = first_sub.resource_groups[0].name if first_sub.resource_groups else ""
    arm = ArmBackend(emulator.store)
    hubs = [r.name for r in arm.resources(first_sub.subscription_id, "iothub", first_group)]
    dps = [r.name for r in arm.resources(first_sub.subscription_id, "dps", first_group)]
    return {
        "base_url": base_url,
        "authority_host": base_url,
        "ca_bundle": str(ca_bundle),
        "admin_url": f"{base_url}/_emulator",
        "subscription_id": first_sub.subscription_id,
        "resource_group": first_group,
        "iot_hubs": hubs,
        "dps": dps,
        "key_vault": (
            {"name": seed.key_vault.name, "url": base_url, "tenant_id": seed.key_vault.tenant_id}
            if seed.key_vault
            else None
        ),
        # Secret sign-ins only; the federated one has its own entry.
        "credentials": [
            {"tenant_id": p.tenant_id, "client_id": p.client_id, "client_secret": p.client_secret}
            for p in seed.principals
            if p.client_secret is not None
        ],
        "pid": os.getpid(),
        "federated": _federated(base_url, seed),
    }


def _federated(base_url: str, seed: Seed) -> dict[str, str] | None:
    """What a pipeline needs to sign in by workload identity federation against this emulator:
    the app, and GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN pointing here."""
    principal = federated_sign_in(seed)
    if principal is None:
        return None
    return {
        "tenant_id": principal.tenant_id,
        "client_id": principal.client_id,
        "subject": seed.github_actions.subject,
        "request_url": f"{base_url}{github_oidc_urls.TOKEN_PATH}?api-version=2.0",
        "request_token": seed.github_actions.request_token,
    }


class _Server(uvicorn.Server):
    """uvicorn's server, stopping without waiting on idle keep-alive connections.

    uvicorn closes an idle connection gracefully; over TLS that waits for the client's
    close_notify, which a client idling in its connection pool never sends, so every stop took
    the whole graceful timeout (1 s). Idle connections are cut at once; a request in flight
    still gets the graceful timeout to finish."""

    async def add_socket(self, sock: socket.socket) -> None:
        """Serve one more listening socket (a data-plane port bound after start), as
        ``startup`` serves those it was given; its asyncio server is closed with the others."""
        while not self.started:
            await asyncio.sleep(0.01)
        config = self.config

        def create_protocol(_loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Protocol:
            protocol: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                config=config,
                server_state=self.server_state,
                app_state=self.lifespan.state,
                _loop=_loop,
            )
            return protocol

        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            create_protocol, sock=sock, ssl=config.ssl, backlog=config.backlog
        )
        self.servers.append(server)

    async def shutdown(self, sockets: list[Any] | None = None) -> None:
        for connection in list(self.server_state.connections):
            cycle = getattr(connection, "cycle", None)
            transport = getattr(connection, "transport", None)
            if transport is not None and (cycle is None or cycle.response_complete):
                transport.abort()
        await super().shutdown(sockets)


def run(state_dir: Path, seed_path: Path | None, host: str, port: int) -> int:
    """Serve until SIGTERM/SIGINT; returns the process exit code.

    ``port`` 0 means the port this state dir kept from its last run, or a free one on a first
    start (see ``address``). Raises SeedError or AddressError before anything is served.
    """
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    stop = asyncio.Event()
    stop_requested = False

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        # uvicorn installs its own handlers while serving and re-raises the signal after a
        # graceful shutdown; this handler absorbs that re-raise so the exit code stays 0.
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    seed = load_seed(seed_path) if seed_path else default_seed()
    # Bound before the slow set-up (TLS, state), so a taken port is reported at once.
    sock = listen(host, port, state_dir)
    dataplanes = DataPlanes(state_dir, host)
    # The device port is served by its own TLS listener (device_api/listener.py), not uvicorn.
    device_socket = dataplanes.reserve(DEVICE_KIND, DEVICE_INSTANCE)
    tls = ensure_tls(state_dir, host)
    emulator = build_emulator(state_dir, seed, dataplanes)
    open_dataplanes(emulator.store, dataplanes)
    device_listener = DeviceListener(device_socket, emulator.app, tls.server_cert, tls.server_key)
    actual_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    base_url = f"https://{shown_host}:{actual_port}"
    info = announcement(base_url, tls.ca_cert, seed, emulator)
    emulator.admin.info.update(info)

    config = uvicorn.Config(
        emulator.app,
        ssl_certfile=str(tls.server_cert),
        ssl_keyfile=str(tls.server_key),
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = _Server(config)

    async def serve() -> None:
        loop = asyncio.get_running_loop()

        def serve_later(new: socket.socket) -> None:
            loop.call_soon_threadsafe(lambda: loop.create_task(server.add_socket(new)))

        # Atomically: the ports bound so far are served from the start, any later one is added.
        bound = dataplanes.attach(serve_later)
        task = asyncio.create_task(server.serve(sockets=[sock, *bound]))
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("uvicorn stopped before it started")
            if stop_requested:
                server.should_exit = True
            await asyncio.sleep(0.01)
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
        if stop_requested:
            server.should_exit = True
        await task
        stop.set()

    device_listener.start()
    try:
        asyncio.run(serve())
    finally:
        device_listener.stop()
        emulator.store.close()
        dataplanes.close()
    return 0
