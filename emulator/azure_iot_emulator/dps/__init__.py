"""Microsoft.Devices/provisioningServices and its certificates collection."""
