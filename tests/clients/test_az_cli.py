"""The Azure CLI as users run it against the emulator: a custom cloud found by endpoint
discovery, a service-principal sign-in, and the whole CA certificate flow of `az iot hub
certificate` and `az iot dps certificate`, with the proof of possession made by the `openssl` CLI.

azure-cli is the pinned release `make bootstrap` installs (tools/azure-cli.sh); its traffic stays
on 127.0.0.1 (see tests/clients/azure_cli.py) and TLS is verified against the emulator's CA.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from azure_iot_emulator.testing import EmulatorInfo
from tests import processes
from tests.clients.azure_cli import AzCli, AzFailed, az_binary

# The az CLI starts a large Python program per command (~1 s each): out of the quick loop.
pytestmark = pytest.mark.engine

OPENSSL_TIMEOUT_S = 60
EC_P256 = ("ec", "-pkeyopt", "ec_paramgen_curve:P-256")
RSA_2048 = ("rsa:2048",)


@pytest.fixture(scope="module")
def az() -> Path:
    return az_binary()


@pytest.fixture(scope="module")
def openssl() -> str:
    found = shutil.which("openssl")
    assert found, "the openssl CLI is needed to make the CA and its proof (apt: openssl)"
    return found


@dataclass(frozen=True)
class OpensslCa:
    """A self-signed CA made by `openssl req -x509`, and the proofs it signs."""

    openssl: str
    directory: Path

    @property
    def certificate(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def key(self) -> Path:
        return self.directory / "ca.key"

    def _run(self, *args: str) -> str:
        result = processes.run([self.openssl, *args], timeout=OPENSSL_TIMEOUT_S)
        assert result.returncode == 0, f"openssl {args[0]} failed:\n{result.stderr}"
        return result.stdout

    @classmethod
    def make(cls, openssl: str, directory: Path, cn: str, key: tuple[str, ...]) -> OpensslCa:
        """`key` is what follows openssl's -newkey (EC_P256, RSA_2048)."""
        directory.mkdir(parents=True)
        ca = cls(openssl, directory)
        ca._run(
            "req", "-x509", "-newkey", *key, "-nodes",
            "-keyout", str(ca.key), "-out", str(ca.certificate),
            "-days", "30", "-sha256", "-subj", f"/CN={cn}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )  # fmt: skip
        return ca

    def thumbprint(self) -> str:
        """The SHA-1 fingerprint openssl prints, as the hubs report it (uppercase hex)."""
        out = self._run("x509", "-in", str(self.certificate), "-noout", "-fingerprint", "-sha1")
        return out.strip().split("=", 1)[1].replace(":", "").upper()

    def proof(self, code: str, name: str) -> Path:
        """The README's recipe: a throw-away key, subject CN = the code, signed by the CA key."""
        request = self.directory / f"{name}.csr"
        proof = self.directory / f"{name}.pem"
        self._run(
            "req", "-new", "-newkey", *EC_P256, "-nodes",
            "-keyout", "/dev/null", "-subj", f"/CN={code}", "-out", str(request),
        )  # fmt: skip
        self._run(
            "x509", "-req", "-in", str(request),
            "-CA", str(self.certificate), "-CAkey", str(self.key),
            "-CAserial", str(self.directory / "ca.srl"), "-CAcreateserial",
            "-days", "2", "-sha256", "-out", str(proof),
        )  # fmt: skip
        return proof


@pytest.fixture(scope="module")
def signed_in(
    az: Path, module_emulator: EmulatorInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AzCli]:
    """`az` signed in to a cloud registered by endpoint discovery (the emulator's own URL as
    resource): the README's recipe, shared by the certificate tests."""
    cli = AzCli(az, tmp_path_factory.mktemp("az-config"), module_emulator)
    cli.register_cloud()
    cli.login()
    try:
        yield cli
    finally:
        cli.logout()
        shutil.rmtree(cli.config_dir, ignore_errors=True)


def test_endpoint_discovery_registers_the_emulator_as_a_cloud(
    az: Path, module_emulator: EmulatorInfo, tmp_path: Path
) -> None:
    cli = AzCli(az, tmp_path / "az", module_emulator)
    cli.register_cloud("discovered")
    endpoints = cli.json("cloud", "show", "--name", "discovered")["endpoints"]
    base = module_emulator.base_url
    assert endpoints["activeDirectory"] == base
    assert endpoints["activeDirectoryResourceId"] == base + "/"
    assert endpoints["resourceManager"].rstrip("/") == base
    try:
        accounts = cli.login()
        assert [a["id"] for a in accounts] == [module_emulator.subscription_id]
        assert accounts[0]["cloudName"] == "discovered"
        assert accounts[0]["user"]["type"] == "servicePrincipal"
    finally:
        cli.logout()


@pytest.mark.parametrize(
    "resource_id", ["https://management.azure.com/", "https://management.azure.com"]
)
def test_service_principal_login_with_either_resource_id_spelling(
    az: Path, module_emulator: EmulatorInfo, tmp_path: Path, resource_id: str
) -> None:
    # With the slash (as public Azure registers it) az asks for ".../.com//.default".
    cli = AzCli(az, tmp_path / "az", module_emulator)
    cli.register_cloud(resource_id=resource_id)
    try:
        cli.login()
        token = cli.json("account", "get-access-token")["accessToken"]
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["aud"] == "https://management.azure.com/"  # never ".com//"
        # ARM takes the token: a listing through the hub found by name at subscription scope.
        hub = module_emulator.iot_hubs[0]
        assert cli.json("iot", "hub", "certificate", "list", "--hub-name", hub) == {"value": []}
    finally:
        cli.logout()


def _group_args(info: EmulatorInfo, with_group: bool) -> list[str]:
    return ["--resource-group", info.resource_group] if with_group else []


@pytest.mark.parametrize("with_group", [True, False], ids=["with-g", "without-g"])
def test_iot_hub_certificate_lifecycle(
    signed_in: AzCli, openssl: str, tmp_path: Path, with_group: bool
) -> None:
    info = signed_in.info
    hub = ["--hub-name", info.iot_hubs[0], *_group_args(info, with_group)]
    name = f"az-hub-{'g' if with_group else 'nog'}"
    ca = OpensslCa.make(openssl, tmp_path / "ca", f"az hub root {name}", EC_P256)
    cert = ["iot", "hub", "certificate"]

    created = signed_in.json(*cert, "create", *hub, "--name", name, "--path", str(ca.certificate))
    assert created["properties"]["isVerified"] is False
    assert created["properties"]["thumbprint"] == ca.thumbprint()
    listed = signed_in.json(*cert, "list", *hub)["value"]
    assert [c["name"] for c in listed if c["name"] == name] == [name]

    shown = signed_in.json(*cert, "show", *hub, "--name", name)
    assert shown["properties"]["subject"] == f"az hub root {name}"
    code = signed_in.json(
        *cert, "generate-verification-code", *hub, "--name", name, "--etag", shown["etag"]
    )
    proof = ca.proof(code["properties"]["verificationCode"], "proof")
    verified = signed_in.json(
        *cert, "verify", *hub, "--name", name, "--path", str(proof), "--etag", code["etag"]
    )
    assert verified["properties"]["isVerified"] is True
    again = signed_in.json(*cert, "show", *hub, "--name", name)
    assert again["properties"]["isVerified"] is True

    signed_in.run(*cert, "delete", *hub, "--name", name, "--etag", again["etag"])
    assert name not in [c["name"] for c in signed_in.json(*cert, "list", *hub)["value"]]
    with pytest.raises(AzFailed) as gone:
        signed_in.run(*cert, "show", *hub, "--name", name)
    assert f"Certificate '{name}' not found" in gone.value.stderr


@pytest.mark.parametrize("with_group", [True, False], ids=["with-g", "without-g"])
def test_iot_dps_certificate_lifecycle(
    signed_in: AzCli, openssl: str, tmp_path: Path, with_group: bool
) -> None:
    info = signed_in.info
    dps = ["--dps-name", info.dps[0], *_group_args(info, with_group)]
    name = f"az-dps-{'g' if with_group else 'nog'}"
    ca = OpensslCa.make(openssl, tmp_path / "ca", f"az dps root {name}", RSA_2048)
    cert = ["iot", "dps", "certificate"]

    created = signed_in.json(*cert, "create", *dps, "--name", name, "--path", str(ca.certificate))
    assert created["properties"]["isVerified"] is False
    assert created["properties"]["thumbprint"] == ca.thumbprint()
    listed = signed_in.json(*cert, "list", *dps)["value"]
    assert [c["name"] for c in listed if c["name"] == name] == [name]

    shown = signed_in.json(*cert, "show", *dps, "--name", name)
    code = signed_in.json(
        *cert, "generate-verification-code", *dps, "--name", name, "--etag", shown["etag"]
    )
    # DPS gives the certificate back only here; az decodes it to the PEM file it uploaded.
    assert code["properties"]["certificate"] == ca.certificate.read_text()
    proof = ca.proof(code["properties"]["verificationCode"], "proof")
    verified = signed_in.json(
        *cert, "verify", *dps, "--name", name, "--path", str(proof), "--etag", code["etag"]
    )
    assert verified["properties"]["isVerified"] is True
    again = signed_in.json(*cert, "show", *dps, "--name", name)
    assert again["properties"]["isVerified"] is True

    signed_in.run(*cert, "delete", *dps, "--name", name, "--etag", again["etag"])
    assert name not in [c["name"] for c in signed_in.json(*cert, "list", *dps)["value"]]
    with pytest.raises(AzFailed) as gone:
        signed_in.run(*cert, "show", *dps, "--name", name)
    assert f"Certificate '{name}' not found" in gone.value.stderr
