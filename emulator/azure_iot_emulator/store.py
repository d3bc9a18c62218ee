"""SQLite persistence: one database file in the state dir, WAL journal, synchronous=FULL.

Why FULL and not NORMAL: in WAL mode NORMAL already survives ``kill -9`` (the WAL is in the OS page
cache), but FULL also fsyncs the WAL on every commit, so an acknowledged write survives a power
loss or OS crash too. The cost (one fsync per write) is irrelevant at emulator request rates.

Every write runs inside ``BEGIN IMMEDIATE`` so a read-compare-write (etag compare-and-swap) holds
the write lock from the read on: no lost update, whatever the number of concurrent clients. A
handler answers only after :meth:`Store.write` has committed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Table name -> its rows, as Store.tables reads them.
Rows = dict[str, list[tuple[Any, ...]]]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tenants (
    tenant_id TEXT PRIMARY KEY COLLATE NOCASE,
    display_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS principals (
    client_id TEXT PRIMARY KEY COLLATE NOCASE,
    tenant_id TEXT NOT NULL COLLATE NOCASE,
    client_secret TEXT NOT NULL,  -- "" when the principal has none (federated only)
    object_id TEXT NOT NULL COLLATE NOCASE,
    display_name TEXT NOT NULL
);
-- Issuer and subject compare exactly (BINARY): Entra matches them case-sensitively.
CREATE TABLE IF NOT EXISTS federated_credentials (
    client_id TEXT NOT NULL COLLATE NOCASE,
    name TEXT NOT NULL,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    audiences TEXT NOT NULL,
    PRIMARY KEY (client_id, issuer, subject)
);
-- Custom roles only (the built-in ones live in code); document: actions, notActions,
-- assignableScopes, description, dataActions, notDataActions, roleId (the GUID) and audit fields.
CREATE TABLE IF NOT EXISTS role_definitions (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    document TEXT NOT NULL
);
-- Every role assignment, seeded or made through the role API: the one table ARM's checks read.
-- role is a role's name (the seed's) or GUID (the API's). name (the assignment's GUID),
-- principal_type, created_on and created_by are NULL for seeded rows (authorization/models.py).
CREATE TABLE IF NOT EXISTS role_assignments (
    object_id TEXT NOT NULL COLLATE NOCASE,
    role TEXT NOT NULL COLLATE NOCASE,
    scope TEXT NOT NULL COLLATE NOCASE,
    name TEXT COLLATE NOCASE,
    principal_type TEXT,
    created_on TEXT,
    created_by TEXT,
    PRIMARY KEY (object_id, role, scope)
);
CREATE TABLE IF NOT EXISTS subscriptions (
    subscription_id TEXT PRIMARY KEY COLLATE NOCASE,
    tenant_id TEXT NOT NULL COLLATE NOCASE,
    display_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS resource_groups (
    subscription_id TEXT NOT NULL COLLATE NOCASE,
    name TEXT NOT NULL COLLATE NOCASE,
    location TEXT NOT NULL,
    tags TEXT NOT NULL,
    PRIMARY KEY (subscription_id, name)
);
CREATE TABLE IF NOT EXISTS resources (
    subscription_id TEXT NOT NULL COLLATE NOCASE,
    resource_group TEXT NOT NULL COLLATE NOCASE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    location TEXT NOT NULL,
    document TEXT NOT NULL,
    etag TEXT NOT NULL,
    PRIMARY KEY (subscription_id, resource_group, kind, name)
);
CREATE TABLE IF NOT EXISTS certificates (
    subscription_id TEXT NOT NULL COLLATE NOCASE,
    resource_group TEXT NOT NULL COLLATE NOCASE,
    kind TEXT NOT NULL,
    parent TEXT NOT NULL COLLATE NOCASE,
    name TEXT NOT NULL COLLATE NOCASE,
    content TEXT NOT NULL,
    is_verified INTEGER NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    etag TEXT NOT NULL,
    verification_code TEXT,
    PRIMARY KEY (subscription_id, resource_group, kind, parent, name)
);
-- A certificate that Azure Device Registry synced onto a hub (seeded only): the ARM ids its
-- answers carry, by api-version (devices.models.DeviceRegistryLink).
CREATE TABLE IF NOT EXISTS device_registry_certificates (
    subscription_id TEXT NOT NULL COLLATE NOCASE,
    resource_group TEXT NOT NULL COLLATE NOCASE,
    kind TEXT NOT NULL,
    parent TEXT NOT NULL COLLATE NOCASE,
    name TEXT NOT NULL COLLATE NOCASE,
    policy_resource_id TEXT NOT NULL,
    certificate_authority_resource_id TEXT NOT NULL,
    PRIMARY KEY (subscription_id, resource_group, kind, parent, name)
);
-- DPS service API enrollment groups; dps_id is the DPS's ARM id, document the client's fields
-- (dps_service/models.py), created/updated the service's 7-digit timestamps.
CREATE TABLE IF NOT EXISTS enrollment_groups (
    dps_id TEXT NOT NULL COLLATE NOCASE,
    group_id TEXT NOT NULL COLLATE NOCASE,
    document TEXT NOT NULL,
    etag TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (dps_id, group_id)
);
-- Device identities of a hub's registry (hub_registry/models.py); hub_id is the hub's ARM id,
-- document the Device body as the registry answers it, less etag and generationId.
CREATE TABLE IF NOT EXISTS hub_devices (
    hub_id TEXT NOT NULL COLLATE NOCASE,
    device_id TEXT NOT NULL,
    document TEXT NOT NULL,
    etag TEXT NOT NULL,
    generation_id TEXT NOT NULL,
    PRIMARY KEY (hub_id, device_id)
);
-- Device registrations on a DPS (device_api/models.py): the latest operation of a registration
-- id and its answer (registrationState).
CREATE TABLE IF NOT EXISTS device_registrations (
    dps_id TEXT NOT NULL COLLATE NOCASE,
    registration_id TEXT NOT NULL,
    operation_id TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (dps_id, registration_id)
);
CREATE TABLE IF NOT EXISTS keyvault_keys (
    vault TEXT NOT NULL COLLATE NOCASE,
    name TEXT NOT NULL COLLATE NOCASE,
    version TEXT NOT NULL COLLATE NOCASE,
    seq INTEGER NOT NULL,
    kty TEXT NOT NULL,
    key_ops TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    tags TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    PRIMARY KEY (vault, name, version)
);
"""

# Columns added to a table after state dirs were written with it: (table, column, declaration).
# A state dir of an older emulator gets them at open (SQLite appends them, NULL in every row).
ADDED_COLUMNS = (
    ("role_assignments", "name", "TEXT COLLATE NOCASE"),
    ("role_assignments", "principal_type", "TEXT"),
    ("role_assignments", "created_on", "TEXT"),
    ("role_assignments", "created_by", "TEXT"),
)


class Store:
    """Thread-safe access to the state database; each thread keeps its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        conn = self._connection()
        conn.executescript(SCHEMA)
        for table, column, declaration in ADDED_COLUMNS:
            present = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so the transaction
            # boundaries are exactly the ones written below.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for reads (deferred transaction)."""
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction holding the database write lock from its first statement.

        Commits on normal exit (durably, before the caller answers); rolls back on any exception.
        """
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def next_rowversion(self, conn: sqlite3.Connection) -> int:
        """A database-wide counter bumped inside the caller's write transaction (for etags)."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'rowversion'").fetchone()
        value = int(row["value"]) + 1 if row else 1
        conn.execute(
            "INSERT INTO meta(key, value) VALUES('rowversion', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(value),),
        )
        return value

    def tables(self) -> Rows:
        """Every row of every table: what :meth:`restore` puts back (a reset's starting point)."""
        with self.read() as conn:
            names = [
                row["name"]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            return {
                name: [tuple(row) for row in conn.execute(f"SELECT * FROM {name}")]
                for name in names
            }

    def restore(self, rows: Rows) -> None:
        """Make every table hold exactly ``rows`` (from :meth:`tables`), in one durable write."""
        with self.write() as conn:
            for name, table_rows in rows.items():
                conn.execute(f"DELETE FROM {name}")
                if table_rows:
                    marks = ", ".join("?" * len(table_rows[0]))
                    conn.executemany(f"INSERT INTO {name} VALUES ({marks})", table_rows)

    def close(self) -> None:
        """Close every connection (a checkpoint happens when the last one closes)."""
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
