"""The DPS service API (enrollment groups), served at a DPS's ``serviceOperationsHostName``."""
