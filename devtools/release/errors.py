"""The one failure a release step raises: its message is the line `make release` prints."""

from __future__ import annotations


class ReleaseError(Exception):
    """What went wrong, where, and the fix, in one line: `make release` prints it and stops."""
