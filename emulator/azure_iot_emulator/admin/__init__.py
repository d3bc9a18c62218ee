"""The emulator's own control API under ``/_emulator``: request log, faults, held requests, reset,
info. Loopback only."""
