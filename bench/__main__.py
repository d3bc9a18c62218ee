"""`python -m bench`: ours vs the floor for each N, then proof certificates per key type.

    python -m bench [--sizes 10,50,200] [--latency-ms 50] [--no-floor] [--no-stack]
                    [--no-proof] [--profile] [--workdir DIR]
    python -m bench team [--stacks 10] [--per-stack 20] [--latency-ms 50] [--workdir DIR]
    python -m bench profile [--size 200] [--latency-ms 50] [--top 15] [--workdir DIR]
    python -m bench faces [--certificates 24] [--latency-ms 500] [--parallel 16] [--json]
                          [--workdir DIR]
    python -m bench plugin-start TARBALL [--rounds 15]
    python -m bench fleet [--certificates 1000] [--hubs 40] [--latency-ms 1000] [--parallel 16]
                          [--throttle documented|JSON] [--json] [--workdir DIR]

`team`: K stacks `up` at once on azblob:// state (Azurite) vs one stack of the same K × N
certificates (bench.team). `profile`: CPU per certificate of the program and the provider host,
by package and function, under cProfile (bench.profiling). `faces`: the same N certificates
through the dynamic face and the native one, their `up` and their calls in flight (bench.faces).
`fleet`: N CAs on H hubs under ARM's throttle, the floor script and each face's `up`, no-change
`up` and `destroy` (bench.fleet).

Progress goes to stderr, the tables (Markdown) to stdout. Nothing is asserted: targets missed
are printed as such.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from azure_iot_emulator.testing import AdminClient
from bench import faces, fleet, plugin_start, report
from bench.environment import HUBS, hub_limit, make_cas, start_emulator
from bench.floor import run_floor
from bench.profiling import run_profile
from bench.proof_timing import TARGET_US, profile_proof, time_proofs
from bench.stack_run import cli_start_s, run_stack
from bench.startup import import_costs
from bench.team import run_team
from tests.azurite import AzuriteProcess


def _sizes(text: str) -> list[int]:
    sizes = [int(part) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive integers, comma-separated")
    return sizes


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[10, 50, 200], help="N, comma-separated")
    parser.add_argument("--latency-ms", type=int, default=50, help="added to every ARM call")
    parser.add_argument("--no-stack", action="store_true", help="skip `pulumi up` (and floor)")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor script")
    parser.add_argument("--no-proof", action="store_true", help="skip proof certificate timing")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also time each process's imports, and cProfile proof builds that miss their target",
    )
    parser.add_argument("--workdir", type=Path, help="keep scratch files here (default: temp)")
    return parser.parse_args(argv)


def progress(message: str) -> None:
    """One line on stderr, so stdout holds only the tables."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_sizes(args: argparse.Namespace, workdir: Path) -> list[report.SizeResult]:
    """Ours (and the floor) for each N against one emulator with injected latency."""
    largest = max(args.sizes)
    process, info = start_emulator(workdir, largest)
    try:
        admin = AdminClient(info)
        admin.set_faults(latency_ms=args.latency_ms)
        progress(f"emulator up, {HUBS} hubs, {hub_limit(largest)} CAs per hub allowed")
        cas = make_cas(workdir / "cas", largest, info)
        results = []
        for size in args.sizes:
            progress(f"N={size}: pulumi up, no-change up, destroy")
            ours = run_stack(workdir / f"stack-{size}", info, cas[:size])
            floor = []
            if not args.no_floor:
                progress(f"N={size}: floor script, create and delete")
                floor = run_floor(workdir / f"floor-{size}", info, cas[:size])
            results.append(report.SizeResult(size, ours, floor))
        return results
    finally:
        process.stop()


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("a positive integer")
    return value


def parse_team_args(argv: list[str]) -> argparse.Namespace:
    """The command line of `python -m bench team`."""
    parser = argparse.ArgumentParser(
        prog="python -m bench team",
        description="K stacks `up` at once on azblob:// state vs one stack of K x N",
    )
    parser.add_argument("--stacks", type=_positive, default=10, help="K, stacks at once")
    parser.add_argument("--per-stack", type=_positive, default=20, help="N, CAs per stack")
    parser.add_argument("--latency-ms", type=int, default=50, help="added to every ARM call")
    parser.add_argument("--workdir", type=Path, help="keep scratch files here (default: temp)")
    return parser.parse_args(argv)


def parse_profile_args(argv: list[str]) -> argparse.Namespace:
    """The command line of `python -m bench profile`."""
    parser = argparse.ArgumentParser(
        prog="python -m bench profile",
        description="CPU per certificate of the program and the provider host, under cProfile",
    )
    parser.add_argument("--size", type=_positive, default=200, help="N, CAs in the stack")
    parser.add_argument("--latency-ms", type=int, default=50, help="added to every ARM call")
    parser.add_argument("--top", type=_positive, default=15, help="rows per profile table")
    parser.add_argument("--workdir", type=Path, help="keep scratch files here (default: temp)")
    return parser.parse_args(argv)


def parse_faces_args(argv: list[str]) -> argparse.Namespace:
    """The command line of `python -m bench faces`."""
    parser = argparse.ArgumentParser(
        prog="python -m bench faces",
        description="the same N certificates through the dynamic face and the native one",
    )
    parser.add_argument("--certificates", type=_positive, default=24, help="N, proof-mode CAs")
    parser.add_argument("--latency-ms", type=int, default=500, help="added to every ARM call")
    parser.add_argument("--parallel", type=_positive, default=16, help="`pulumi up --parallel`")
    parser.add_argument("--json", action="store_true", help="also one JSON line per face")
    parser.add_argument("--workdir", type=Path, help="keep scratch files here (default: temp)")
    return parser.parse_args(argv)


def plugin_start_main(argv: list[str]) -> int:
    """The release's bundled plugin against the virtualenv's script: time to the port."""
    parser = argparse.ArgumentParser(prog="python -m bench plugin-start")
    parser.add_argument("tarball", type=Path, help="pulumi-resource-pop-v*-<os>-<arch>.tar.gz")
    parser.add_argument("--rounds", type=_positive, default=15, help="samples per plugin")
    args = parser.parse_args(argv)
    script = Path(sys.executable).parent / "pulumi-resource-pop"
    print(f"Machine: {report.machine()}\n")
    with tempfile.TemporaryDirectory(prefix="pop-bench-start-") as scratch:
        bundle = plugin_start.unpack(args.tarball, Path(scratch))
        results = plugin_start.compare(
            {"release bundle (PyInstaller one-folder)": bundle, "virtualenv script": script},
            args.rounds,
        )
    print(plugin_start.table(results))
    return 0


def faces_main(argv: list[str]) -> int:
    """One `up` of the same N certificates per face, and how they compare."""
    args = parse_faces_args(argv)
    print(f"Machine: {report.machine()}\n")
    print(
        f"Injected latency: {args.latency_ms} ms per ARM call; {args.certificates} proof-mode "
        f"certificates (EC P-256), at most {hub_limit(args.certificates)} per hub; "
        f"`pulumi up --parallel {args.parallel} --skip-preview`, one fresh emulator and stack "
        "per face (file backend).\n"
    )
    with tempfile.TemporaryDirectory(prefix="pop-bench-faces-") as scratch:
        workdir = args.workdir or Path(scratch)
        runs = faces.run_faces(workdir, args.certificates, args.latency_ms, args.parallel, progress)
    print(faces.faces_table(runs) + "\n")
    print(faces.ratio_table(runs) + "\n")
    for line in faces.verdicts(runs):
        print(f"- {line}")
    for run in runs:
        if run.noteworthy:
            print(f"\n{run.face} face, the CLI's warnings and errors:\n")
            print("\n".join(f"    {line}" for line in run.noteworthy))
    if args.json:
        print()
        for run in runs:
            print(json.dumps(run.as_json()))
    return 0


def _faces(text: str) -> tuple[str, ...]:
    faces = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [face for face in faces if face not in fleet.FACES]
    if not faces or unknown:
        raise argparse.ArgumentTypeError(f"faces are {', '.join(fleet.FACES)}; not {unknown}")
    return faces


def _throttle(text: str) -> dict[str, Any] | str:
    if text == "documented":
        return text
    try:
        value = json.loads(text)
        fleet.Fleet(1, 1, 0, 1, value).limits  # noqa: B018 - parsed the way the emulator will
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not the emulator's arm_throttle: {error}") from error
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("'documented' or a JSON object")
    return value


def parse_fleet_args(argv: list[str]) -> argparse.Namespace:
    """The command line of `python -m bench fleet`."""
    parser = argparse.ArgumentParser(
        prog="python -m bench fleet",
        description="N CAs on H hubs under ARM's throttle: the floor, then each face",
    )
    parser.add_argument("--certificates", type=_positive, default=1000, help="N, proof-mode CAs")
    parser.add_argument("--hubs", type=_positive, default=40, help="H, IoT hubs (25 CAs each)")
    parser.add_argument("--latency-ms", type=int, default=1000, help="added to every ARM call")
    parser.add_argument(
        "--parallel",
        type=_positive,
        default=16,
        help="`pulumi --parallel` of both faces (see bench/README.md, Fleet mode, for why 16)",
    )
    parser.add_argument(
        "--throttle",
        type=_throttle,
        default="documented",
        help="the emulator's arm_throttle: 'documented' (ARM's numbers) or its JSON object",
    )
    parser.add_argument("--json", action="store_true", help="also one JSON line per face/command")
    parser.add_argument("--workdir", type=Path, help="keep scratch files here (default: temp)")
    parser.add_argument(
        "--faces",
        type=_faces,
        default=fleet.FACES,
        help=f"comma-separated, of {', '.join(fleet.FACES)} (python-sdk: `make release` first)",
    )
    args = parser.parse_args(argv)
    if args.certificates > args.hubs * fleet.IOTHUB_MAX_CAS:
        parser.error(
            f"{args.certificates} certificates do not fit on {args.hubs} hubs: IoT Hub holds at "
            f"most {fleet.IOTHUB_MAX_CAS} CAs; pass --hubs "
            f"{-(-args.certificates // fleet.IOTHUB_MAX_CAS)} or more"
        )
    return args


def fleet_main(argv: list[str]) -> int:
    """The fleet under ARM's throttle: the floor and each face, their tables and verdicts."""
    args = parse_fleet_args(argv)
    spec = fleet.Fleet(args.certificates, args.hubs, args.latency_ms, args.parallel, args.throttle)
    if faces.PYTHON_SDK in args.faces:
        faces.python_sdk_wheel()  # before the floor's minutes, not after
    print(f"Machine: {report.machine()}\n")
    print(fleet.describe(spec) + "\n")
    with tempfile.TemporaryDirectory(prefix="pop-bench-fleet-") as scratch:
        workdir = args.workdir or Path(scratch)
        runs = fleet.run_fleet(workdir, spec, progress, faces=args.faces)
    print(fleet.fleet_table(runs, spec) + "\n")
    print("CPU seconds by process during each face's commands (sampled every 0.5 s):\n")
    print(fleet.cpu_table(runs) + "\n")
    for line in fleet.verdicts(runs, spec):
        print(f"- {line}")
    if args.json:
        print()
        for line in fleet.json_lines(runs, spec):
            print(line)
    return 0


def team_main(argv: list[str]) -> int:
    """K stacks at once vs one stack, on Azurite, and their tables."""
    args = parse_team_args(argv)
    total = args.stacks * args.per_stack
    print(f"Machine: {report.machine()}\n")
    print(
        f"Injected latency: {args.latency_ms} ms per ARM call; {HUBS} hubs, "
        f"{hub_limit(total)} CAs per hub allowed; proof mode, EC P-256; "
        f"{args.stacks} stacks × {args.per_stack} vs 1 stack × {total}; state: azblob:// on "
        "Azurite (HTTPS).\n"
    )
    with tempfile.TemporaryDirectory(prefix="pop-bench-team-") as scratch:
        workdir = args.workdir or Path(scratch)
        process, info = start_emulator(workdir, total)
        try:
            AdminClient(info).set_faults(latency_ms=args.latency_ms)
            with AzuriteProcess(workdir / "azurite") as azurite:
                progress(f"emulator and Azurite up (port {azurite.port})")
                cas = make_cas(workdir / "cas", total, info)
                phases = run_team(workdir, info, azurite, cas, args.stacks, progress)
        finally:
            process.stop()
    print(report.team_table(phases) + "\n")
    print("CPU ms per certificate by process (sampled):\n")
    print(report.team_role_table(phases) + "\n")
    print(report.team_ratio_table(phases) + "\n")
    for phase in phases:
        if phase.verified is not None:
            state = "all Verified" if phase.verified == phase.certificates else "NOT all Verified"
            print(
                f"{phase.layout}: {phase.verified} of {phase.certificates} certificates "
                f"Verified on their hubs ({state}); {phase.failed} of {phase.stacks} stacks failed"
            )
    return 0


def profile_main(argv: list[str]) -> int:
    """One stack of N, plain then under cProfile, and where its CPU per certificate goes."""
    args = parse_profile_args(argv)
    print(f"Machine: {report.machine()}\n")
    print(
        f"Injected latency: {args.latency_ms} ms per ARM call; {HUBS} hubs; proof mode, "
        f"EC P-256; one stack of {args.size} (file backend).\n"
    )
    with tempfile.TemporaryDirectory(prefix="pop-bench-profile-") as scratch:
        workdir = args.workdir or Path(scratch)
        process, info = start_emulator(workdir, args.size)
        try:
            AdminClient(info).set_faults(latency_ms=args.latency_ms)
            cas = make_cas(workdir / "cas", args.size, info)
            run = run_profile(workdir / "stack", info, cas, args.top, progress)
        finally:
            process.stop()
    print("CPU ms per certificate by process; under cProfile: all (ours):\n")
    print(report.profile_phase_table(run) + "\n")
    print(report.profile_tables(run) + "\n")
    return 0


def main(argv: list[str]) -> int:
    """Run the bench and print its tables."""
    if argv[:1] == ["team"]:
        return team_main(argv[1:])
    if argv[:1] == ["profile"]:
        return profile_main(argv[1:])
    if argv[:1] == ["faces"]:
        return faces_main(argv[1:])
    if argv[:1] == ["fleet"]:
        return fleet_main(argv[1:])
    if argv[:1] == ["plugin-start"]:
        return plugin_start_main(argv[1:])
    args = parse_args(argv)
    print(f"Machine: {report.machine()}\n")
    print(
        f"Injected latency: {args.latency_ms} ms per ARM call; {HUBS} hubs; proof mode, EC P-256."
    )
    if not args.no_stack:
        print(f"CLI start (`tools/pulumi version`): {cli_start_s():.2f} s\n")
        with tempfile.TemporaryDirectory(prefix="pop-bench-") as scratch:
            workdir = args.workdir or Path(scratch)
            results = run_sizes(args, workdir)
        print(report.phases_table(results) + "\n")
        print("Our commands' timeline, seconds after start:\n")
        print(report.timeline_table(results) + "\n")
        print("CPU seconds per process (the floor script's own under provider host):\n")
        print(report.cpu_table(results) + "\n")
        if not args.no_floor:
            print(report.ratio_table(results) + "\n")
    if args.profile:
        progress("imports of each process")
        print("Imports per process (fresh interpreter, median of 3):\n")
        print(report.import_table(import_costs()) + "\n")
    if not args.no_proof:
        progress("proof certificates per key type")
        timings = time_proofs()
        print(report.proof_table(timings) + "\n")
        if args.profile:
            for timing in timings:
                if timing.median_us >= TARGET_US:
                    print(f"cProfile, {timing.key_type.value}, 50 proofs:")
                    print(profile_proof(timing.key_type))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
