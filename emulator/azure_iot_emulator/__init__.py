"""A local, faithful emulator of the Azure management plane for IoT Hub and DPS CA certificates.

Run it with ``python -m azure_iot_emulator``; drive it from tests with
:mod:`azure_iot_emulator.testing`. The distribution's README.md (``emulator/README.md`` in the
repository) gives the wire contract it implements and where each rule comes from.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pop-provider-emulator")
except PackageNotFoundError:  # a bare checkout on sys.path, never installed
    __version__ = "0+unknown"
