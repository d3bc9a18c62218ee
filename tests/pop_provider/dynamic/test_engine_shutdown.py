"""The program's log after the engine shut its monitor down: only that one message is dropped."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from pop_provider.dynamic import engine_shutdown


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Errors that reach the engine, with the filter installed afresh over a recorder."""
    seen: list[tuple[str, Any]] = []
    monkeypatch.setattr(
        pulumi.log, "error", lambda msg, resource=None, *a, **k: seen.append((msg, resource))
    )
    monkeypatch.setattr(pulumi.log, "debug", lambda *a, **k: None)
    monkeypatch.setattr(engine_shutdown, "_done", False)
    engine_shutdown.end_quietly_when_engine_stops()
    engine_shutdown.end_quietly_when_engine_stops()  # a second resource: still one filter
    return seen


def test_the_sdks_monitor_shutdown_text_is_read_from_the_sdk() -> None:
    assert engine_shutdown.monitor_shutdown_message() == (
        "Resource monitor has terminated, shutting down"
    )


def test_the_monitor_shutdown_error_is_dropped(logged: list[tuple[str, Any]]) -> None:
    pulumi.log.error(engine_shutdown.monitor_shutdown_message())
    assert logged == []


def test_every_other_error_reaches_the_engine(logged: list[tuple[str, Any]]) -> None:
    resource: Any = object()
    pulumi.log.error("CA 'root' is declared twice")
    pulumi.log.error(engine_shutdown.monitor_shutdown_message(), resource)
    assert logged == [
        ("CA 'root' is declared twice", None),
        (engine_shutdown.monitor_shutdown_message(), resource),
    ]
