"""``python -m azure_iot_emulator --port 0 --state-dir DIR [--seed FILE] [--host 127.0.0.1]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from azure_iot_emulator.seed import SeedError
from azure_iot_emulator.server import run


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(
        prog="python -m azure_iot_emulator",
        description="Local HTTPS emulator of Azure IoT Hub / DPS CA-certificate management.",
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    parser.add_argument("--state-dir", type=Path, required=True, help="where state and TLS live")
    parser.add_argument("--seed", type=Path, default=None, help="seed JSON (see README.md)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (loopback)")
    args = parser.parse_args(argv)
    try:
        return run(args.state_dir, args.seed, args.host, args.port)
    except SeedError as exc:
        print(f"invalid seed: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
