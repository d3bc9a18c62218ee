"""A local, faithful emulator of the Azure management plane for IoT Hub and DPS CA certificates.

Run it with ``python -m azure_iot_emulator``; drive it from tests with
:mod:`azure_iot_emulator.testing`.
See README.md in this folder for the wire contract it implements and where each rule comes from.
"""
