"""Helpers for tests (and users) that drive the emulator: start it, talk to its admin API.

``EmulatorProcess`` spawns ``python -m azure_iot_emulator`` and reads its one JSON line from the
pipe (no sleeping); ``AdminClient`` reads the request log, sets faults, holds and releases
requests and resets the emulator over HTTPS, trusting the emulator's CA bundle (verification
stays on); ``management_credential`` and
``client_kwargs`` configure Microsoft's own clients for the emulator.
"""

from __future__ import annotations

import http.client
import json
import os
import selectors
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlparse

from azure.core.credentials import TokenCredential
from azure.identity import ClientSecretCredential

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class EmulatorInfo:
    """The parsed JSON line the emulator prints when it is ready."""

    base_url: str
    authority_host: str
    ca_bundle: str
    admin_url: str
    subscription_id: str
    resource_group: str
    iot_hubs: list[str]
    dps: list[str]
    credentials: list[dict[str, str]]
    pid: int
    # Workload identity federation: tenant_id, client_id, subject, request_url, request_token
    # (GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN). None when the seed has no
    # principal the emulator's GitHub Actions tokens sign in.
    federated: dict[str, str] | None = None

    @classmethod
    def from_json(cls, line: str) -> EmulatorInfo:
        """Parse the startup line (fields an older emulator does not print keep their default)."""
        data = json.loads(line)
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


class EmulatorStartError(RuntimeError):
    """The emulator exited or stayed silent instead of announcing itself."""


class EmulatorProcess:
    """A child emulator process; use as a context manager or call start()/stop()."""

    info: EmulatorInfo

    def __init__(
        self,
        state_dir: Path,
        seed: Path | None = None,
        port: int = 0,
        python: str = sys.executable,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.seed = seed
        self.port = port
        self.python = python
        self.extra_env = dict(extra_env or {})
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self.stderr = ""  # what the process printed on stderr, once it has stopped

    def _stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def start(self) -> EmulatorInfo:
        """Spawn the emulator and wait (bounded) for its JSON line; raise with stderr if none."""
        command = [
            self.python,
            "-m",
            "azure_iot_emulator",
            "--port",
            str(self.port),
            "--state-dir",
            str(self.state_dir),
        ]
        if self.seed is not None:
            command += ["--seed", str(self.seed)]
        # `python` runs the emulator it has installed: nothing of this copy is put on its path.
        env = {**os.environ, **self.extra_env}
        # Kept open for the life of the process (closed by stop/kill): not a with-block.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL, env=env
        )
        assert self._process.stdout is not None
        line = self._read_line(self._process.stdout, START_TIMEOUT_S)
        if line is None:
            if self._process.poll() is None:
                self._process.kill()
            code = self._process.wait(STOP_TIMEOUT_S)
            stderr = self._stderr_text()
            self._close()
            raise EmulatorStartError(
                f"emulator did not announce itself; exit code {code}; stderr:\n{stderr}"
            )
        self.info = EmulatorInfo.from_json(line)
        return self.info

    def _read_line(self, pipe: IO[bytes], timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(pipe, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                if not selector.select(remaining):
                    continue
                chunk = os.read(pipe.fileno(), 65536)
                if not chunk:
                    return None
                buffer += chunk
        return buffer.split(b"\n", 1)[0].decode("utf-8")

    @property
    def returncode(self) -> int | None:
        """The exit code once the process ended."""
        return self._process.poll() if self._process else None

    def stop(self) -> None:
        """SIGTERM, wait; SIGKILL if it does not exit in time."""
        if self._process is None or self._process.poll() is not None:
            self._close()
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(STOP_TIMEOUT_S)
        self._close()

    def kill(self) -> None:
        """SIGKILL, no shutdown at all (the durability test's crash)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(STOP_TIMEOUT_S)
        self._close()

    def _close(self) -> None:
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()
        if self._stderr is not None:
            self.stderr = self._stderr_text()
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> EmulatorProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _admin_message(data: bytes) -> str:
    """The admin API's error message (its body as text if it is not the usual error shape)."""
    text = data.decode(errors="replace")
    try:
        return str(json.loads(text)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return text


class AdminClient:
    """The emulator's admin API over HTTPS, trusting ``info.ca_bundle``."""

    def __init__(self, info: EmulatorInfo) -> None:
        self.info = info
        self._url = urlparse(info.admin_url)
        self._context = ssl.create_default_context(cafile=info.ca_bundle)

    def _call(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        connection = http.client.HTTPSConnection(
            self._url.hostname or "127.0.0.1",
            self._url.port,
            context=self._context,
            timeout=timeout,
        )
        try:
            payload = None if body is None else json.dumps(body).encode()
            headers = {"content-type": "application/json"} if payload is not None else {}
            connection.request(method, self._url.path + path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
            if response.status == 408:
                raise TimeoutError(f"admin {method} {path}: {_admin_message(data)}")
            if response.status >= 400:
                raise RuntimeError(
                    f"admin {method} {path}: {response.status} {_admin_message(data)}"
                )
            return json.loads(data) if data else None
        finally:
            connection.close()

    def reset(self) -> None:
        """Back to the state just after start: the seed's hubs, DPS, certificates (none), Key
        Vault keys, roles and federation, faults and throttle; an empty request log; held
        requests dropped unapplied."""
        self._call("POST", "/reset")

    def requests(self) -> list[dict[str, Any]]:
        """The request log, oldest first."""
        result: list[dict[str, Any]] = self._call("GET", "/requests")["value"]
        return result

    def clear_requests(self) -> None:
        """Reset the request log."""
        self._call("DELETE", "/requests")

    def set_faults(self, **faults: Any) -> None:
        """latency_ms=, throttle_fraction=, error_fraction=, error_status=, drop_fraction=,
        retry_after_s=, seed= (the draws restart on every call)."""
        self._call("PUT", "/faults", faults)

    def script_failure(
        self,
        operation: str,
        status: int,
        code: int | str | None = None,
        message: str | None = None,
        times: int = 1,
        certificate_name: str | None = None,
        body: Any = None,
        retry_after_s: int | None = None,
    ) -> None:
        """Fail the next ``times`` calls of ``operation`` with this status / code / body (and
        Retry-After header)."""
        payload: dict[str, Any] = {
            "operation": operation,
            "status": status,
            "code": code,
            "message": message,
            "times": times,
            "certificate_name": certificate_name,
        }
        if body is not None:
            payload["body"] = body
        if retry_after_s is not None:
            payload["retry_after_s"] = retry_after_s
        self._call("POST", "/faults/scripted", payload)

    def hold(self, operation: str, certificate_name: str | None = None, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``operation`` open, unapplied, until ``release``."""
        self._call(
            "POST",
            "/faults/holds",
            {"operation": operation, "certificate_name": certificate_name, "times": times},
        )

    def wait_held(self, count: int = 1, timeout_s: float = 30) -> list[dict[str, Any]]:
        """Wait (the emulator answers when it happens; no polling) until ``count`` requests are
        held at once; all held requests, oldest first. TimeoutError after ``timeout_s``."""
        result: list[dict[str, Any]] = self._call(
            "GET", f"/held?count={count}&timeout_s={timeout_s}", timeout=timeout_s + 30
        )["value"]
        return result

    def release(
        self,
        count: int | None = None,
        *,
        status: int | None = None,
        code: int | str | None = None,
        message: str | None = None,
        body: Any = None,
        retry_after_s: int | None = None,
        drop: bool = False,
    ) -> list[dict[str, Any]]:
        """Let the oldest ``count`` held requests (all by default) go on: served; or, with a
        ``status`` (and ``script_failure``'s other fields), answered that error; or, ``drop``,
        closed without an answer. The last two never take effect. What was released."""
        payload: dict[str, Any] = {"drop": drop}
        if count is not None:
            payload["count"] = count
        if status is not None:
            payload.update(status=status, code=code, message=message)
            if body is not None:
                payload["body"] = body
            if retry_after_s is not None:
                payload["retry_after_s"] = retry_after_s
        result: list[dict[str, Any]] = self._call("POST", "/held/release", payload)["value"]
        return result

    def drop_after_apply(
        self, operation: str, certificate_name: str | None = None, times: int = 1
    ) -> None:
        """Apply the next ``times`` calls of ``operation``, then close their connection without
        the answer (the request took effect, the client never hears it)."""
        self._call(
            "POST",
            "/faults/drops-after-apply",
            {"operation": operation, "certificate_name": certificate_name, "times": times},
        )

    def clear_faults(self) -> None:
        """All faults off, scripted faults dropped; held requests go on, served."""
        self._call("DELETE", "/faults")

    def faults(self) -> dict[str, Any]:
        """The current fault settings."""
        result: dict[str, Any] = self._call("GET", "/faults")
        return result

    def set_throttle(self, limits: dict[str, Any] | str = "documented") -> dict[str, Any]:
        """Turn ARM's token-bucket throttle on: ``"documented"`` (ARM's numbers) or the seed's
        ``arm_throttle`` object, e.g. ``{"writes": {"bucket": 2, "refill_per_s": 0.5},
        "global_factor": 15}``; every bucket starts full. Returns the settings in force."""
        body = {} if limits == "documented" else limits
        result: dict[str, Any] = self._call("PUT", "/throttle", body)
        return result

    def throttle(self) -> dict[str, Any]:
        """``{"enabled": False}`` or the throttle's settings."""
        result: dict[str, Any] = self._call("GET", "/throttle")
        return result

    def clear_throttle(self) -> None:
        """Throttle off (hourly headers, nothing refused)."""
        self._call("DELETE", "/throttle")

    def federated_token(
        self,
        subject: str,
        audience: str = "api://AzureADTokenExchange",
        lifetime_s: int = 600,
        issuer: str | None = None,
    ) -> str:
        """An OIDC token signed by the emulator's GitHub Actions issuer key, with any subject,
        audience, lifetime (negative: already expired) or ``iss`` (default GitHub's), for
        presenting as a federated assertion."""
        body: dict[str, Any] = {"subject": subject, "audience": audience, "lifetime_s": lifetime_s}
        if issuer is not None:
            body["issuer"] = issuer
        token: str = self._call("POST", "/oidc/tokens", body)["value"]
        return token


def stack_config(
    info: EmulatorInfo, *, native: bool = False
) -> tuple[dict[str, str], dict[str, str]]:
    """The stack config that points a pop-provider stack at this emulator, as README.md shows
    it: plain keys, and the keys to set with `--secret`. The dynamic face reads the credential
    as azure-native does (`azure-native:*`); the native provider `pop` takes it as its own
    config (`native=True`: every key under `pop:`)."""
    credential = info.credentials[0]
    namespace = "pop" if native else "azure-native"
    plain = {
        "pop:armEndpoint": info.base_url,
        "pop:authorityHost": info.authority_host,
        "pop:caBundle": info.ca_bundle,
        f"{namespace}:subscriptionId": info.subscription_id,
        f"{namespace}:tenantId": credential["tenant_id"],
        f"{namespace}:clientId": credential["client_id"],
    }
    return plain, {f"{namespace}:clientSecret": credential["client_secret"]}


def management_credential(info: EmulatorInfo, index: int = 0) -> TokenCredential:
    """A ClientSecretCredential for seeded principal ``index``, pointed at the emulator.

    ``disable_instance_discovery=True`` is required: otherwise MSAL asks login.microsoftonline.com
    whether the authority is known. ``connection_verify`` makes the token requests trust the
    emulator's CA.
    """
    credential = info.credentials[index]
    return ClientSecretCredential(
        credential["tenant_id"],
        credential["client_id"],
        credential["client_secret"],
        authority=info.authority_host,
        disable_instance_discovery=True,
        connection_verify=info.ca_bundle,
    )


def client_kwargs(info: EmulatorInfo) -> dict[str, Any]:
    """Keyword arguments for IotHubClient / IotDpsClient (the default ARM scope is right)."""
    return {"base_url": info.base_url, "connection_verify": info.ca_bundle}
