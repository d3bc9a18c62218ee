"""pop-provider: trust an X.509 CA on Azure IoT Hub, Verified by proof of possession.

from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs
"""

from pop_provider.resource import VerifiedCaCertificate, VerifiedCaCertificateArgs

__all__ = ["VerifiedCaCertificate", "VerifiedCaCertificateArgs"]
