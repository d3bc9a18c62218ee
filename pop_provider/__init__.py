"""pop-provider: trust an X.509 CA on Azure IoT Hub, Verified by proof of possession.

from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs
from pop_provider import TrustedCa, TrustedCaArgs, CaTarget   # one CA on many hubs and DPS
from pop_provider import read_pem                 # a certificate or key file, errors in one line
from pop_provider import trust_from_stack_config  # the certificates the stack config lists
"""

from importlib.metadata import PackageNotFoundError, version

from pop_provider.dynamic.resource import VerifiedCaCertificate, VerifiedCaCertificateArgs
from pop_provider.dynamic.trust import CaTarget, TrustedCa, TrustedCaArgs
from pop_provider.program.pem_files import PemFileError, read_pem
from pop_provider.program.stack_config import StackConfigError
from pop_provider.program.stack_trust import trust_from_stack_config

try:
    # One version, stated once (pyproject.toml); the installed metadata is where it lives.
    __version__ = version("pop-provider")
except PackageNotFoundError:  # a bare checkout on sys.path, never installed
    __version__ = "0+unknown"

__all__ = [
    "CaTarget",
    "PemFileError",
    "StackConfigError",
    "TrustedCa",
    "TrustedCaArgs",
    "VerifiedCaCertificate",
    "VerifiedCaCertificateArgs",
    "__version__",
    "read_pem",
    "trust_from_stack_config",
]
