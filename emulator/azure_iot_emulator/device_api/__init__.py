"""The DPS device API (registration), served at a DPS's ``deviceProvisioningHostName``."""
