"""Azurite, Microsoft's Azure Storage emulator, as the blob store behind Pulumi's azblob:// backend.

``AzuriteProcess`` runs ``azurite-blob`` (installed, pinned and cached, by tools/azurite.sh from
`make bootstrap`) in a session of its own, ended with whatever it started, on
127.0.0.1 with HTTPS, on a port the OS picks, with a CA and server certificate made for it; it
waits for Azurite's own "listens on" line (bounded), creates the state container, and gives the
backend URL and the environment the Pulumi CLI needs. TLS is verified everywhere: the CLI (Go)
trusts the CA through SSL_CERT_FILE, and the Python client through ``connection_verify``.
"""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobServiceClient, ContainerClient

from azure_iot_emulator.tls import TlsFiles, ensure_tls
from tests.caches import cached
from tests.processes import end_session, wait_exit

#: Azurite's well-known development account (documented by Microsoft; it guards nothing).
DEV_ACCOUNT = "devstoreaccount1"
DEV_ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
#: The newest storage API version Azurite 3.37.0 serves. azure-storage-blob 12.31.1 defaults to
#: a newer one that a strict Azurite refuses; asking for this one keeps Azurite strict (it checks
#: the CLI's requests as Azure would) instead of starting it with --skipApiVersionCheck.
API_VERSION = "2026-06-06"

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
_POLL_S = 0.05
_LISTENING = re.compile(r"successfully listens on https://127\.0\.0\.1:(\d+)")


class AzuriteStartError(RuntimeError):
    """Azurite exited or stayed silent instead of saying where it listens."""


def azurite_binary() -> Path:
    """The cached `azurite-blob`, installed by `make bootstrap` (tools/azurite.sh); missing, the
    test fails in one line."""
    return cached("azurite.sh")


class AzuriteProcess:
    """One Azurite blob service over HTTPS; a context manager, or call start()/stop()."""

    port: int

    def __init__(
        self, work_dir: Path, container: str = "state", binary: Path | None = None
    ) -> None:
        self.work_dir = Path(work_dir)
        self.container = container
        self.binary = binary
        self.tls: TlsFiles | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def log_path(self) -> Path:
        """What Azurite printed (its access log is off: --silent)."""
        return self.work_dir / "azurite.log"

    @property
    def ca_file(self) -> Path:
        """The CA that signed Azurite's server certificate: the one thing clients trust."""
        assert self.tls is not None, "start() first"
        return self.tls.ca_cert

    @property
    def account_url(self) -> str:
        """The blob service endpoint, path-style as for any storage emulator."""
        return f"https://127.0.0.1:{self.port}/{DEV_ACCOUNT}"

    @property
    def backend_url(self) -> str:
        """PULUMI_BACKEND_URL for this container (`localemu` makes the URL path-style)."""
        return f"azblob://{self.container}?localemu=true&domain=127.0.0.1:{self.port}"

    def cli_env(self) -> dict[str, str]:
        """What the Pulumi CLI needs to open `backend_url`: the account, its key, the CA."""
        return {
            "AZURE_STORAGE_ACCOUNT": DEV_ACCOUNT,
            "AZURE_STORAGE_KEY": DEV_ACCOUNT_KEY,
            "SSL_CERT_FILE": str(self.ca_file),
        }

    def start(self) -> AzuriteProcess:
        """Spawn Azurite, wait (bounded) until it says it listens, create the container."""
        binary = self.binary or azurite_binary()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.tls = ensure_tls(self.work_dir, "127.0.0.1")
        command = [
            str(binary),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            "0",
            "--location",
            str(self.work_dir / "data"),
            "--cert",
            str(self.tls.server_cert),
            "--key",
            str(self.tls.server_key),
            "--disableTelemetry",
            "--silent",
        ]
        # Kept open for the life of the process (closed by stop): not a with-block.
        self._log = self.log_path.open("wb")  # noqa: SIM115
        self._process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self.port = self._wait_for_port()
            self._create_container()
        except BaseException:
            self.stop()  # a start that fails leaves nothing running
            raise
        return self

    def _wait_for_port(self) -> int:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            found = _LISTENING.search(self.log_path.read_text(errors="replace"))
            if found:
                return int(found.group(1))
            if wait_exit(self._process, _POLL_S):  # the poll's pause, cut short by an exit
                break
        self.stop()
        raise AzuriteStartError(
            f"azurite-blob did not start listening within {START_TIMEOUT_S:.0f} s "
            f"(exit code {self._process.returncode}); it printed:\n"
            f"{self.log_path.read_text(errors='replace')}"
        )

    def service_client(self) -> BlobServiceClient:
        """Microsoft's client for this Azurite, verifying TLS against `ca_file`."""
        return BlobServiceClient(
            self.account_url,
            credential={"account_name": DEV_ACCOUNT, "account_key": DEV_ACCOUNT_KEY},
            api_version=API_VERSION,
            connection_verify=str(self.ca_file),
        )

    def container_client(self) -> ContainerClient:
        """The state container."""
        return self.service_client().get_container_client(self.container)

    def _create_container(self) -> None:
        # The DIY backend never creates its container: `pulumi login` would fail with 404.
        # It exists already after a restart on the same data folder.
        with contextlib.suppress(ResourceExistsError):
            self.container_client().create_container()

    def blob_names(self, prefix: str = "") -> list[str]:
        """Names of the blobs under `prefix`, sorted."""
        listing = self.container_client().list_blobs(name_starts_with=prefix or None)
        return sorted(blob.name for blob in listing)

    def read_blob(self, name: str) -> bytes:
        """One blob's bytes."""
        return self.container_client().download_blob(name).readall()

    def stop(self) -> None:
        """SIGTERM, wait; then SIGKILL to whatever of its session is left."""
        if self._process is not None:
            if not wait_exit(self._process, 0):
                self._process.send_signal(signal.SIGTERM)
                wait_exit(self._process, STOP_TIMEOUT_S)
            end_session(self._process)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> AzuriteProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
