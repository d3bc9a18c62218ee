"""pop-provider: trust an X.509 CA on Azure IoT Hub, Verified by proof of possession.

from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs
from pop_provider import TrustedCa, TrustedCaArgs, CaTarget   # one CA on many hubs and DPS
from pop_provider import EnrollmentGroup, EnrollmentGroupArgs  # a DPS enrollment group on a CA
from pop_provider import read_pem                 # a certificate or key file, errors in one line
from pop_provider import trust_from_stack_config  # the certificates the stack config lists
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from pop_provider.version import __version__

if TYPE_CHECKING:
    from pop_provider.dynamic.enrollment_group import EnrollmentGroup, EnrollmentGroupArgs
    from pop_provider.dynamic.resource import VerifiedCaCertificate, VerifiedCaCertificateArgs
    from pop_provider.dynamic.trust import CaTarget, TrustedCa, TrustedCaArgs
    from pop_provider.program.pem_files import PemFileError, read_pem
    from pop_provider.program.stack_config import StackConfigError
    from pop_provider.program.stack_trust import trust_from_stack_config

# Loaded on first use (PEP 562), so that importing a submodule (the plugin's
# pop_provider.native.server) does not load the dynamic face and the program side with it.
_EXPORTS = {
    "CaTarget": "pop_provider.dynamic.trust",
    "EnrollmentGroup": "pop_provider.dynamic.enrollment_group",
    "EnrollmentGroupArgs": "pop_provider.dynamic.enrollment_group",
    "PemFileError": "pop_provider.program.pem_files",
    "StackConfigError": "pop_provider.program.stack_config",
    "TrustedCa": "pop_provider.dynamic.trust",
    "TrustedCaArgs": "pop_provider.dynamic.trust",
    "VerifiedCaCertificate": "pop_provider.dynamic.resource",
    "VerifiedCaCertificateArgs": "pop_provider.dynamic.resource",
    "read_pem": "pop_provider.program.pem_files",
    "trust_from_stack_config": "pop_provider.program.stack_trust",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pop_provider' has no attribute '{name}'")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "CaTarget",
    "EnrollmentGroup",
    "EnrollmentGroupArgs",
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
