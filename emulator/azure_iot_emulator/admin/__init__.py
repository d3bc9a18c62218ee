"""The emulator's own control API under ``/_emulator``: request log, faults, info. Loopback only."""
