"""``python -m azure_iot_emulator --state-dir DIR [--port N] [--seed FILE] [--host 127.0.0.1]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from azure_iot_emulator.address import AddressError
from azure_iot_emulator.seed import SeedError
from azure_iot_emulator.server import run

EXIT_BAD_SEED = 2
EXIT_NO_ADDRESS = 3


def port_number(text: str) -> int:
    """``--port``'s type: 0 to 65535, refused by argparse (one line) otherwise."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (0 to 65535)")
    return port


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve; a refusal to start is one line on stderr."""
    parser = argparse.ArgumentParser(
        prog="python -m azure_iot_emulator",
        description="Local HTTPS emulator of Azure IoT Hub / DPS CA-certificate management.",
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=0,
        help="TCP port, kept for the next start; 0 (default): the port this state dir kept, "
        "or a free one on a first start",
    )
    parser.add_argument("--state-dir", type=Path, required=True, help="where state and TLS live")
    parser.add_argument("--seed", type=Path, default=None, help="seed JSON (see README.md)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (loopback)")
    args = parser.parse_args(argv)
    try:
        return run(args.state_dir, args.seed, args.host, args.port)
    except SeedError as exc:
        print(f"invalid seed: {exc}", file=sys.stderr)
        return EXIT_BAD_SEED
    except AddressError as exc:
        print(exc, file=sys.stderr)
        return EXIT_NO_ADDRESS


if __name__ == "__main__":
    sys.exit(main())
