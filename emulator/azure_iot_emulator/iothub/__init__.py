"""Microsoft.Devices/IotHubs and its certificates collection."""
