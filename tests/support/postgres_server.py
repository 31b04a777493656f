"""A throwaway PostgreSQL server for tests: `initdb` and `postgres` in a temp folder.

Never skipped: a missing PostgreSQL fails (`scripts/test` installs Debian's
`postgresql`). PostgreSQL refuses to run as root, so as root the server runs as
the `postgres` account the Debian package creates.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

STARTUP_DEADLINE_SECONDS = 30.0
USER = "livesale"


def _binaries() -> Path:
    """The newest installed PostgreSQL's bin folder."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=_version)
    assert found, "PostgreSQL is not installed: apt-get install postgresql"
    return found[-1].parent


def _version(path: Path) -> int:
    return int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0


def _as_server_user() -> tuple[list[str], int | None]:
    """The command prefix and uid that run the server (not root)."""
    if os.geteuid() != 0:
        return [], None
    account = pwd.getpwnam("postgres")
    runuser = shutil.which("runuser")
    assert runuser is not None, "runuser (util-linux) is needed to run PostgreSQL as root"
    return [runuser, "-u", "postgres", "--"], account.pw_uid


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Run a private PostgreSQL on a unix socket; yields an admin URL to its `postgres` DB."""
    bin_dir = _binaries()
    prefix, uid = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="livesale-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if uid is not None:
        for path in (root, sock):
            os.chown(path, uid, -1)
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
         "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8"],
        check=True, capture_output=True,
    )  # fmt: skip
    log = open(root / "server.log", "wb")  # noqa: SIM115 - closed below, after the server
    server = subprocess.Popen(
        [*prefix, str(bin_dir / "postgres"), "-D", str(data), "-k", str(sock),
         "-c", "listen_addresses=", "-c", "max_connections=400",
         # A test server: durability is the tests' subject nowhere, speed everywhere.
         "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
         "-c", "wal_level=minimal", "-c", "max_wal_senders=0", "-c", "max_wal_size=64MB"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"postgresql://{USER}@/postgres?host={sock}"
    try:
        _wait_until_ready(url, server, root)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_ready(url: str, server: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while True:
        if server.poll() is not None:
            raise RuntimeError((root / "server.log").read_text(errors="replace"))
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def new_database(admin_url: str) -> str:
    """Create an empty database on the test server; its URL."""
    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        # FILE_COPY (PostgreSQL 15+) copies the template's files instead of writing
        # them through the WAL: hundreds of test databases would be gigabytes of WAL.
        strategy = " STRATEGY = FILE_COPY" if conn.info.server_version >= 150000 else ""
        conn.execute(f"CREATE DATABASE {name}{strategy}")  # a fresh random name, never input
    return admin_url.replace("/postgres?", f"/{name}?")


def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by `new_database` (closing what still uses it)."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
