"""A private PostgreSQL for the benchmarks: `initdb` and `pg_ctl` in a temp folder, on a socket.

Debian's `postgresql` package provides the binaries. PostgreSQL refuses to run
as root, so as root the server runs as the `postgres` account the package
creates. Durable settings (fsync, synchronous commit): what a shop would run.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

USER = "livesale"
DATABASE = "livesale"
START_TIMEOUT_SECONDS = 60


def _binaries() -> Path:
    """The newest installed PostgreSQL's bin folder."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=_version)
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    return found[-1].parent


def _version(path: Path) -> int:
    name = path.parent.parent.name
    return int(name) if name.isdigit() else 0


def _as_server_user() -> tuple[list[str], int | None]:
    """The command prefix and uid that run the server (not root)."""
    if os.geteuid() != 0:
        return [], None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("runuser (util-linux) is needed to run PostgreSQL as root")
    return [runuser, "-u", "postgres", "--"], pwd.getpwnam("postgres").pw_uid


def new_database(url: str, name: str) -> str:
    """Create the database `name` on the server of `url` (from private_postgres); its URL."""
    bin_dir = _binaries()
    prefix, _uid = _as_server_user()
    sock = url.rsplit("host=", 1)[1]
    subprocess.run(
        [*prefix, str(bin_dir / "createdb"), "-h", sock, "-U", USER, name],
        check=True,
        capture_output=True,
    )
    return f"postgresql://{USER}@/{name}?host={sock}"


@contextlib.contextmanager
def private_postgres(cores: str | None = None) -> Iterator[str]:
    """Run PostgreSQL (on `cores`, a taskset list, if given); yields a URL to an empty DB."""
    bin_dir = _binaries()
    prefix, uid = _as_server_user()
    pin: Sequence[str] = () if cores is None else ("taskset", "-c", cores)
    root = Path(tempfile.mkdtemp(prefix="lspg-", dir="/tmp"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if uid is not None:
        for path in (root, sock):
            os.chown(path, uid, -1)
    run = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
             "-E", "UTF8", "--locale", "C.UTF-8"],
            check=True, capture_output=True,
        )  # fmt: skip
        options = f"-k {sock} -c listen_addresses='' -c max_connections=200"
        subprocess.run(
            [*pin, *run, "-o", options, "-l", str(root / "server.log"), "-w",
             "-t", str(START_TIMEOUT_SECONDS), "start"],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [*prefix, str(bin_dir / "createdb"), "-h", str(sock), "-U", USER, DATABASE],
            check=True,
            capture_output=True,
        )
        yield f"postgresql://{USER}@/{DATABASE}?host={sock}"
    finally:
        subprocess.run([*run, "-m", "fast", "-w", "stop"], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)
