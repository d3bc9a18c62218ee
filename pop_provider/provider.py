"""Where states written by pop-provider 0.1 to 0.3 find the dynamic provider.

Pulumi pickles the provider into every dynamic resource's state by reference (module and class
name), so a state written before the package took its core/faces layout names this module. It
stays until no supported state can name it; new states name `pop_provider.dynamic.provider`.
"""

from pop_provider.dynamic.provider import VerifiedCaCertificateProvider

__all__ = ["VerifiedCaCertificateProvider"]
