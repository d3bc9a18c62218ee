"""Loopback ports with a known behaviour, held for as long as a test needs them."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port that refuses every connection until the block ends.

    The socket is bound and never listens: the kernel answers a connection with a reset
    (ECONNREFUSED), and no other process can take the port meanwhile, which a port bound,
    released and then reused could not promise.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]
