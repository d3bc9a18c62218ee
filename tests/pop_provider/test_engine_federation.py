"""`pulumi up` with no secret anywhere: a pipeline's OIDC token, exchanged as Entra does.

The emulator stands in for GitHub's token service (ACTIONS_ID_TOKEN_REQUEST_URL) and checks the
assertion against its federated identity credential (issuer, subject, audience, signature,
expiry), as Entra ID does.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from tests.conftest import write_certificates_config
from tests.pki import make_ca
from tests.pop_provider.engine import entry, hub_certificates
from tests.pulumi_cli import PulumiStack

pytestmark = pytest.mark.engine


def federated_only(stack: PulumiStack, info: EmulatorInfo) -> dict[str, str]:
    """The pipeline's environment: the identity's ids and ARM_USE_OIDC, no secret at all."""
    federated = info.federated
    assert federated is not None
    for name in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"):
        stack.extra_env.pop(name, None)
    stack.extra_env.update(
        ARM_USE_OIDC="true",
        ARM_CLIENT_ID=federated["client_id"],
        ARM_TENANT_ID=federated["tenant_id"],
    )
    return federated


class TokenServiceRelay(ThreadingHTTPServer):
    """GitHub's token service as a pipeline reaches it, through a relay (plain HTTP) on a
    loopback port of its own: each request goes on to the emulator's token service with its
    path, query, request token and Accept, and each token handed out is counted. A sign-in with
    a secret, wherever the secret came from, fetches none."""

    def __init__(self, request_url: str, ca_bundle: str) -> None:
        super().__init__(("127.0.0.1", 0), _Relayed)  # bound and listening until closed
        target = urlparse(request_url)
        self.target = target
        self.context = ssl.create_default_context(cafile=ca_bundle)
        self.served = 0
        self.lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self.server_address[1]}{target.path}?{target.query}"


class _Relayed(BaseHTTPRequestHandler):
    server: TokenServiceRelay

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        relay = self.server
        upstream = http.client.HTTPSConnection(
            relay.target.hostname or "", relay.target.port, context=relay.context, timeout=30
        )
        try:
            asked = {name: self.headers[name] for name in ("Authorization", "Accept")}
            upstream.request("GET", self.path, headers={k: v for k, v in asked.items() if v})
            answer = upstream.getresponse()
            status, body = answer.status, answer.read()
        finally:
            upstream.close()
        if status == 200:
            with relay.lock:
                relay.served += 1
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Quiet: the test reads the count, not a log."""


@contextmanager
def token_service_relay(info: EmulatorInfo) -> Iterator[TokenServiceRelay]:
    """A relay to the emulator's GitHub token service, serving until the block ends."""
    assert info.federated is not None
    with TokenServiceRelay(info.federated["request_url"], info.ca_bundle) as relay:
        serving = threading.Thread(target=relay.serve_forever, daemon=True)
        serving.start()
        try:
            yield relay
        finally:
            relay.shutdown()
            serving.join()


def test_up_with_githubs_token_service_and_no_secret(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    federated = federated_only(program_stack, emulator)
    ca = make_ca("federated root")
    write_certificates_config(program_stack, [entry(tmp_path, "root", ca, emulator)])
    with token_service_relay(emulator) as relay:
        # What GitHub Actions sets in a job with `permissions: id-token: write`.
        program_stack.extra_env.update(
            ACTIONS_ID_TOKEN_REQUEST_URL=relay.url,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN=federated["request_token"],
        )
        admin.clear_requests()
        program_stack.up()
    # Every Azure sign-in of the run presented a token of GitHub's service, one fetched for it.
    sign_ins = [e["status"] for e in admin.requests() if e.get("operation") == "Token"]
    assert sign_ins and set(sign_ins) == {200}, sign_ins
    assert relay.served == len(sign_ins), (relay.served, sign_ins)
    assert program_stack.outputs()["certificates"]["root"]["is_verified"] is True
    assert all(c.properties.is_verified for c in hub_certificates(emulator).values())
    assert "client_secret" not in program_stack.state_files_text().lower()


def test_a_token_file_and_a_token_that_does_not_match_the_credential(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    federated = federated_only(program_stack, emulator)
    token_file = tmp_path / "oidc-token"
    program_stack.extra_env["ARM_OIDC_TOKEN_FILE_PATH"] = str(token_file)
    write_certificates_config(program_stack, [entry(tmp_path, "root", make_ca("file"), emulator)])

    token_file.write_text(admin.federated_token(subject="repo:contoso/fleet:pull_request"))
    refused = program_stack.up(check=False)
    assert refused.returncode != 0 and "Traceback" not in refused.stdout
    assert (
        f"pop_provider.failures.AuthenticationFailed: Azure sign-in failed for client "
        f"{federated['client_id']} in tenant {federated['tenant_id']} with a federated token "
        "(token file from ARM_OIDC_TOKEN_FILE_PATH): AADSTS700213"
    ) in refused.stdout
    assert "issuer, subject and audience" in refused.stdout
    assert hub_certificates(emulator) == {}

    token_file.write_text(admin.federated_token(subject=federated["subject"]))
    program_stack.up()  # the file is read again: a rotated token takes effect
    assert program_stack.outputs()["certificates"]["root"]["is_verified"] is True


def test_kubernetes_workload_identity_needs_no_flag(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    """What the AKS workload identity webhook injects: AZURE_CLIENT_ID, AZURE_TENANT_ID and
    AZURE_FEDERATED_TOKEN_FILE; no ARM_USE_OIDC, no secret."""
    federated = federated_only(program_stack, emulator)
    for name in ("ARM_USE_OIDC", "ARM_CLIENT_ID", "ARM_TENANT_ID"):
        program_stack.extra_env.pop(name)
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text(admin.federated_token(subject=federated["subject"]))
    program_stack.extra_env.update(
        AZURE_CLIENT_ID=federated["client_id"],
        AZURE_TENANT_ID=federated["tenant_id"],
        AZURE_FEDERATED_TOKEN_FILE=str(token_file),
    )
    write_certificates_config(program_stack, [entry(tmp_path, "root", make_ca("aks"), emulator)])
    program_stack.up()
    assert program_stack.outputs()["certificates"]["root"]["is_verified"] is True
