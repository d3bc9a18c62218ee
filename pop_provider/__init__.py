"""pop-provider: trust an X.509 CA on Azure IoT Hub, Verified by proof of possession.

from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs
from pop_provider import TrustedCa, TrustedCaArgs, CaTarget   # one CA on many hubs and DPS
"""

from importlib.metadata import PackageNotFoundError, version

from pop_provider.resource import VerifiedCaCertificate, VerifiedCaCertificateArgs
from pop_provider.trust import CaTarget, TrustedCa, TrustedCaArgs

try:
    # One version, stated once (pyproject.toml); the installed metadata is where it lives.
    __version__ = version("pop-provider")
except PackageNotFoundError:  # a bare checkout on sys.path, never installed
    __version__ = "0+unknown"

__all__ = [
    "CaTarget",
    "TrustedCa",
    "TrustedCaArgs",
    "VerifiedCaCertificate",
    "VerifiedCaCertificateArgs",
    "__version__",
]
