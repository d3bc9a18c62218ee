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


@contextmanager
def reserved_port() -> Iterator[int]:
    """A loopback port kept for a server the test starts, until the block ends.

    The socket is bound with SO_REUSEADDR and never listens. On Linux no other socket can bind
    the port meanwhile, and the kernel hands it to no bind(0) or outgoing connection, except a
    server that also sets SO_REUSEADDR and binds it by number: it may listen on it, once or
    again after a restart. So a test can give a server (the emulator sets SO_REUSEADDR) a port
    of its choosing without releasing one first for the server to bind, which another process
    could take in between.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as kept:
        kept.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        kept.bind(("127.0.0.1", 0))
        yield kept.getsockname()[1]
