"""How every verb of every resource fails: whatever it raises reaches the user as one failure
that says what to do (pop_provider.core.explain), never as a chain of Python exceptions."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from pop_provider.core.connection import ConnectionSettings

_Verb = TypeVar("_Verb", bound=Callable[..., Any])


class Verbs(Protocol):
    """What a failure's message needs from the verbs object it was raised in."""

    # Whether the program ran (a refresh or destroy without it uses the saved config).
    _program_ran: bool

    def settings_for_errors(self) -> ConnectionSettings: ...


def reported(verb: str) -> Callable[[_Verb], _Verb]:
    """A verb method whose failures are explained for `verb` ("check", "create", ...)."""

    def decorate(method: _Verb) -> _Verb:
        @functools.wraps(method)
        def wrapper(self: Verbs, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except Exception as error:
                # Imported on the first failure: it pulls in azure-core, which a program
                # (that imports the faces for their types) never needs.
                from pop_provider.core.explain import explain

                settings = self.settings_for_errors()
                raise explain(error, settings, verb, program_ran=self._program_ran) from None

        return wrapper  # type: ignore[return-value]

    return decorate
