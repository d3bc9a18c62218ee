"""The emulator keeps its port across restarts on one state dir, refuses to move when the port is
taken, and lets an explicit --port win (azure_iot_emulator.address, and the process around it)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from azure_iot_emulator.address import ADDRESS_FILE, AddressError, listen, recorded_port
from azure_iot_emulator.testing import START_TIMEOUT_S, AdminClient, EmulatorProcess
from tests import processes
from tests.sockets import reserved_port

HOST = "127.0.0.1"


def port_of(base_url: str) -> int:
    port = urlparse(base_url).port
    assert port is not None
    return port


@pytest.fixture
def held() -> Iterator[socket.socket]:
    """A port another process would hold: a plain listening socket, no SO_REUSEADDR."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    sock.listen(1)
    yield sock
    sock.close()


def start_refused(state: Path, *port: str) -> subprocess.CompletedProcess[str]:
    """Run the emulator on `state` expecting it to refuse to start (it exits at once)."""
    return processes.run(
        [sys.executable, "-m", "azure_iot_emulator", "--state-dir", str(state), *port],
        timeout=START_TIMEOUT_S,
    )


# --- the module, without a process --------------------------------------------------------


def test_a_first_start_picks_a_free_port_and_the_next_binds_it_again(tmp_path: Path) -> None:
    assert recorded_port(tmp_path) is None
    with listen(HOST, 0, tmp_path) as first:
        port = first.getsockname()[1]
    assert json.loads((tmp_path / ADDRESS_FILE).read_text()) == {"port": port}
    with listen(HOST, 0, tmp_path) as second:
        assert second.getsockname()[1] == port


def test_an_explicit_port_wins_and_is_kept(tmp_path: Path) -> None:
    with listen(HOST, 0, tmp_path):
        pass
    with reserved_port() as wanted, listen(HOST, wanted, tmp_path) as sock:
        assert sock.getsockname()[1] == wanted
    assert recorded_port(tmp_path) == wanted


def test_a_kept_port_in_use_is_refused_not_replaced(tmp_path: Path, held: socket.socket) -> None:
    taken = held.getsockname()[1]
    (tmp_path / ADDRESS_FILE).write_text(json.dumps({"port": taken}))
    with pytest.raises(AddressError) as refused:
        listen(HOST, 0, tmp_path)
    assert f"port {taken} of state dir {tmp_path} is in use" in str(refused.value)
    assert recorded_port(tmp_path) == taken


@pytest.mark.parametrize("content", ["", "{}", '{"port": "443"}', '{"port": 70000}', "[1]"])
def test_an_unreadable_address_file_says_which_file_and_the_fix(
    tmp_path: Path, content: str
) -> None:
    (tmp_path / ADDRESS_FILE).write_text(content)
    with pytest.raises(AddressError, match=r"address\.json does not hold .*delete it"):
        listen(HOST, 0, tmp_path)


# --- the process ------------------------------------------------------------------------


def test_a_restart_on_the_same_state_dir_comes_back_on_the_same_port(tmp_path: Path) -> None:
    state = tmp_path / "state"
    # The port is the test's from the start, so nothing else takes it between the runs; every
    # run after the first binds it by number (--port 0: the one its state dir recorded).
    with reserved_port() as port:
        with EmulatorProcess(state, port=port) as first:
            AdminClient(first.info).requests()  # a connection: the stop leaves TIME_WAIT behind
        with EmulatorProcess(state) as second:
            assert second.info.base_url == first.info.base_url
            assert second.info.admin_url == first.info.admin_url
        crashed = EmulatorProcess(state)
        crashed.start()
        crashed.kill()
        with EmulatorProcess(state) as after_crash:
            assert after_crash.info.base_url == first.info.base_url
            assert AdminClient(after_crash.info).requests() == []


def test_a_kept_port_taken_by_another_process_stops_the_start_with_one_line(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    with reserved_port() as port:  # the test's throughout: free for the emulator, nobody else
        with EmulatorProcess(state, port=port) as first:
            assert recorded_port(state) == port_of(first.info.base_url) == port
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:  # another process
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # beside the reserve
            holder.bind((HOST, port))
            holder.listen(1)
            refused = start_refused(state)  # no --port: the kept one
        with EmulatorProcess(state) as again:  # the holder gone, the same address again
            assert port_of(again.info.base_url) == port
    assert refused.returncode == 3
    assert refused.stdout == ""  # no JSON line: nobody may take it for a ready emulator
    lines = refused.stderr.splitlines()
    assert len(lines) == 1, refused.stderr  # no traceback, no log noise
    line = lines[0]
    assert f"port {port} of state dir {state.resolve()} is in use by another process" in line
    assert "stop that process" in line
    assert "--port N or a new --state-dir" in line
    assert "update the endpoints in the stack config" in line
    assert recorded_port(state) == port  # never silently moved


def test_an_explicit_port_wins_over_the_kept_one_and_is_kept_next(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with EmulatorProcess(state) as first:
        kept = port_of(first.info.base_url)
    with reserved_port() as wanted:
        with EmulatorProcess(state, port=wanted) as explicit:
            assert port_of(explicit.info.base_url) == wanted != kept
        with EmulatorProcess(state) as later:  # --port 0 again: the explicit one was recorded
            assert port_of(later.info.base_url) == wanted


def test_an_explicit_port_in_use_is_one_line_too(tmp_path: Path, held: socket.socket) -> None:
    taken = held.getsockname()[1]
    refused = start_refused(tmp_path / "state", "--port", str(taken))
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == [
        f"port {taken} (--port) is in use by another process; stop that process "
        f"(`lsof -iTCP:{taken} -sTCP:LISTEN` names it) or pass another --port"
    ]
