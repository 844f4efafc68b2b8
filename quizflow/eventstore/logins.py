"""The login roles Quizflow's processes connect as, and the passwords they use.

Migrations and administration connect as the owner (QUIZFLOW_DATABASE_URL, or the embedded
server's superuser). Everything else connects as one of three login roles, each a member of a
NOLOGIN group role whose privileges the migrations grant:

- ``quizflow_web`` (group ``quizflow_writer``): the web app, the command line's appends (course
  publishing, imports, simulations). It reads events and appends only through the append
  functions: no UPDATE, DELETE or TRUNCATE, and no quizflow_auth.
- ``quizflow_signin`` (group ``quizflow_accounts``, owner of schema quizflow_auth): the
  sign-in code's credentials and sessions. No events.
- ``quizflow_pipeline`` (group ``quizflow_reader``): the analytics pipeline. Reads events only.

Roles are cluster-wide, so every database on the server shares them. Their passwords are
generated here and kept in ``$QUIZFLOW_HOME/db-logins.json`` (mode 0600).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg

# kind -> login role.
LOGINS: dict[str, str] = {
    "web": "quizflow_web",
    "signin": "quizflow_signin",
    "pipeline": "quizflow_pipeline",
}
# kind -> the group role (created by the migrations) whose privileges the login inherits.
GROUPS: dict[str, str] = {
    "web": "quizflow_writer",
    "signin": "quizflow_accounts",
    "pipeline": "quizflow_reader",
}
_PURPOSE: dict[str, str] = {
    "web": "the web app and the command line's appends; reads events, appends only through "
    "the append functions",
    "signin": "the sign-in code; credentials and sessions in schema quizflow_auth, no events",
    "pipeline": "the analytics pipeline; reads events only",
}

LOGINS_FILE = "db-logins.json"

# Another constant than the migrations' lock ("QUIZ"): "QFLG".
_LOGINS_LOCK_KEY = 0x51464C47


def _literal(text: str) -> str:
    """``text`` as an SQL string literal (role DDL takes no bind parameters)."""
    if "\x00" in text:
        raise ValueError("a password cannot contain a NUL character")
    if "\\" in text:  # an E'' literal means the same whatever standard_conforming_strings says
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + text.replace("'", "''") + "'"


def roles_sql(passwords: Mapping[str, str]) -> str:
    """Idempotent SQL that creates (or updates) the login role of each kind in ``passwords``
    with that password, INHERIT, membership in its group role and CONNECT on the current
    database. Run it as a role with CREATEROLE (and ADMIN on the groups), in Quizflow's
    database; a group role missing yet is created (the migrations grant its privileges).
    """
    unknown = sorted(set(passwords) - set(LOGINS))
    if unknown:
        raise KeyError(f"unknown login kinds {unknown}; known: {sorted(LOGINS)}")
    parts = [
        "-- Quizflow's login roles (cluster-wide). Idempotent: creates what is missing, sets the",
        "-- passwords, INHERIT and the group memberships. Run it in Quizflow's database.",
    ]
    for kind, login in LOGINS.items():
        if kind not in passwords:
            continue
        group = GROUPS[kind]
        parts.append(
            f"""
-- {login}, member of {group}:
--   {_PURPOSE[kind]}.
do $$
begin
    if not exists (select from pg_roles where rolname = '{group}') then
        create role {group} nologin;
    end if;
    if not exists (select from pg_roles where rolname = '{login}') then
        create role {login} login inherit;
    end if;
end
$$;
alter role {login} with login inherit password {_literal(passwords[kind])};
do $$
begin
    if not pg_has_role('{login}', '{group}', 'usage') then
        execute 'grant {group} to {login}'
            || case when current_setting('server_version_num')::int >= 160000
                    then ' with inherit true' else '' end;
    end if;
    if not has_database_privilege('{login}', current_database(), 'connect') then
        execute format('grant connect on database %I to {login}', current_database());
    end if;
end
$$;"""
        )
    return "\n".join(parts) + "\n"


def login_url(owner_url: str, kind: str, passwords: Mapping[str, str]) -> str:
    """The URL of the same server and database as ``owner_url`` (host, port, unix socket
    ``host=`` and other parameters kept), as the login role of ``kind``."""
    user = LOGINS[kind]
    password = passwords[kind]
    if "://" not in owner_url:  # a "key=value" connection string
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = conninfo_to_dict(owner_url)
        owner = params.get("user")
        params.setdefault("dbname", _default_dbname(str(owner) if owner else None))
        params.update(user=user, password=password)
        return make_conninfo("", **params)
    parts = urlsplit(owner_url)
    owner_user, _, hosts = parts.netloc.rpartition("@")
    # The query is kept as written (libpq decodes %XX only, not "+"), less user and password.
    kept: list[str] = []
    named: dict[str, str] = {}
    for item in filter(None, parts.query.split("&")):
        key, _, value = item.partition("=")
        named[unquote(key)] = unquote(value)
        if unquote(key) not in ("user", "password"):
            kept.append(item)
    path = parts.path
    if path in ("", "/") and "dbname" not in named:
        # Without a database libpq connects to the one named like the user: keep the owner's.
        given_user = unquote(owner_user.partition(":")[0]) or named.get("user")
        path = "/" + quote(_default_dbname(given_user), safe="")
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{hosts}"
    return urlunsplit(parts._replace(netloc=netloc, path=path, query="&".join(kept)))


def _default_dbname(user: str | None) -> str:
    """The database libpq picks when none is named."""
    return os.environ.get("PGDATABASE") or user or os.environ.get("PGUSER") or getpass.getuser()


def new_passwords() -> dict[str, str]:
    """A fresh random password for each login (URL-safe, 256 bits)."""
    return {kind: secrets.token_urlsafe(32) for kind in LOGINS}


def read_passwords(path: Path) -> dict[str, str]:
    """The passwords kept in ``path`` ({} when the file is missing or unreadable)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if k in LOGINS and isinstance(v, str) and v}


def write_passwords(path: Path, passwords: Mapping[str, str]) -> None:
    """Replace ``path`` atomically with the passwords, in a file readable by its owner only
    (created with mode 0600, never wider for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(dict(passwords), out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def ensure_logins(owner_url: str, home: Path, *, path: Path | None = None) -> dict[str, str]:
    """Make sure the three login roles exist on the server of ``owner_url`` with the passwords
    kept in ``path`` (default ``home/db-logins.json``); return those passwords by kind.

    Creates what is missing: the file (new passwords), a role (with the file's password), a
    membership. A role that exists while the file is new gets the new password. Safe when
    processes race: a file lock serialises the processes of this machine, an advisory lock
    those connected to the same database.
    """
    return _logins(owner_url, path or home / LOGINS_FILE, always=False)


def apply_logins(owner_url: str, path: Path) -> dict[str, str]:
    """Like ``ensure_logins``, but always (re)applies the roles and passwords: the file's
    passwords become the roles' ones even when the roles exist already."""
    return _logins(owner_url, path, always=True)


def _logins(owner_url: str, path: Path, *, always: bool) -> dict[str, str]:
    with _file_lock(path), psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_LOGINS_LOCK_KEY,))
        try:
            stored = read_passwords(path)
            fresh = new_passwords()
            passwords = {kind: stored.get(kind) or fresh[kind] for kind in LOGINS}
            if always or passwords != stored or not _ready(conn):
                _apply(conn, passwords)
            # After the roles: a file that names passwords the server never got would be
            # trusted by the next process, and then nothing could connect.
            if passwords != stored:
                write_passwords(path, passwords)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_LOGINS_LOCK_KEY,))
    return passwords


def _apply(conn: psycopg.Connection[Any], passwords: Mapping[str, str]) -> None:
    statement = roles_sql(passwords).encode()
    for attempt in range(3):
        try:
            with conn.transaction():
                conn.execute(statement)
            return
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            # A process connected to another database (another advisory lock space) created
            # the same cluster-wide role between our check and our CREATE: look again.
            if attempt == 2:
                raise


def _ready(conn: psycopg.Connection[Any]) -> bool:
    """Whether every login role exists, may log in, inherits its group and may connect."""
    rows = conn.execute(
        """
        select count(*) filter (
                   where r.rolcanlogin and r.rolinherit
                     and case when g.oid is null then false
                              else pg_has_role(r.oid, g.oid, 'usage') end
                     and has_database_privilege(r.oid, current_database(), 'connect'))
          from unnest(%s::text[], %s::text[]) as wanted(login, grp)
          left join pg_roles r on r.rolname = wanted.login
          left join pg_roles g on g.rolname = wanted.grp
        """,
        (list(LOGINS.values()), [GROUPS[kind] for kind in LOGINS]),
    ).fetchone()
    return bool(rows and rows[0] == len(LOGINS))


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path``'s sibling lock file (a no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: the advisory lock alone
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent / f".{path.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
