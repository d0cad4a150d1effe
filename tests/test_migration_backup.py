"""Upgrades keep a way back: a copy before migrating a database with data, and a failed migration
changes nothing.

Needs `Database.migrate` to call `storage.backup.backup_before_migrating(path, pending)` before the
pending migrations, and to apply them all in one transaction."""

import os
import sqlite3

import pytest

import storage.db
from storage.db import Database
from tests.test_maintenance import read, unity_run_with_supporters

# 0005 applies cleanly; 0006 fails halfway, after a statement that worked.
GOOD = "CREATE TABLE medals (user_id INTEGER PRIMARY KEY, medal TEXT NOT NULL) STRICT;"
FAILING = "ALTER TABLE pledges ADD COLUMN medal TEXT;\nINSERT INTO no_such_table VALUES (1);"


async def test_a_migration_that_fails_halfway_leaves_schema_and_data_as_they_were(tmp_path, monkeypatch):
    live = tmp_path / "bot.db"
    await unity_run_with_supporters(live, supporters=100)
    schema = read(live, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    version = read(live, "PRAGMA user_version")[0][0]
    pledges = read(live, "SELECT * FROM pledges ORDER BY id")
    released = storage.db.migrations()
    monkeypatch.setattr(storage.db, "migrations", lambda: [*released, (version + 1, GOOD), (version + 2, FAILING)])

    with pytest.raises(sqlite3.OperationalError, match="no such table: no_such_table"):
        await Database.open(live)

    assert read(live, "PRAGMA user_version") == [(version,)]
    assert read(live, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == schema
    assert read(live, "SELECT * FROM pledges ORDER BY id") == pledges
    copies = sorted(p for p in os.listdir(tmp_path) if p.startswith(f"bot.db.before-{version + 1:04d}-"))
    assert len(copies) == 1
    assert read(tmp_path / copies[0], "SELECT * FROM pledges ORDER BY id") == pledges
