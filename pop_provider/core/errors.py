"""Error types shared by the modules that check user input before anything reaches Azure."""

from __future__ import annotations


class InvalidInput(ValueError):
    """Bad user input found before any call to Azure; `field` names the input property.

    Pulumi's `check` reports failures per property, so the field travels with the reason instead
    of being baked into a string. The reason is what a person reads: it must say what to change
    and must never quote secrets (keys, passwords) back.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return self.reason

    def __repr__(self) -> str:
        return f"InvalidInput(field={self.field!r}, reason={self.reason!r})"

    def __reduce__(self) -> tuple[type[InvalidInput], tuple[str, str]]:
        # `args` holds only the reason; without this, unpickling (e.g. across a process pool)
        # would call __init__ with one argument and fail.
        return (InvalidInput, (self.field, self.reason))
