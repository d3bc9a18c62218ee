"""Rules shared by the two Microsoft.Devices certificate collections (IoT Hub and DPS)."""
