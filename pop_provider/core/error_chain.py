"""Every exception behind one that reached us, as azure-core and its transports nest them.

azure-core wraps a transport error (`inner_exception`), requests and urllib3 keep theirs in
`args` and `reason`, and Python chains the rest (`__cause__`, `__context__`). What a failure
means (refused, TLS, which host) is read from whichever link holds it.
"""

from __future__ import annotations

from collections.abc import Iterator


def links(error: BaseException) -> Iterator[BaseException]:
    """`error` and each exception it wraps or was raised from, once each."""
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        link = pending.pop()
        if not isinstance(link, BaseException) or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        pending += [link.__cause__, link.__context__, *link.args]
        pending += [getattr(link, "inner_exception", None), getattr(link, "reason", None)]


def is_refused(error: BaseException) -> bool:
    """Whether `error` is, or wraps, a refused TCP connection (ECONNREFUSED, WSAECONNREFUSED).

    azure-core raises ServiceRequestError around urllib3's NewConnectionError, whose cause is
    the OSError; requests' own errors hold theirs in `args` and urllib3's in `reason`.
    """
    return any(isinstance(link, ConnectionRefusedError) for link in links(error))
