"""SQLite schema migrations; `PRAGMA user_version` counts how many are applied.

Append only: never edit a migration that has shipped, add a new one.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: shows. The stream key is stored hashed; the plaintext is shown once.
    """
    CREATE TABLE shows (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('scheduled', 'live', 'ended')),
        stream_key_hash TEXT NOT NULL,
        created_at REAL NOT NULL,
        live_at REAL,
        ended_at REAL
    );
    CREATE INDEX shows_created_at ON shows (created_at DESC);
    """,
]
