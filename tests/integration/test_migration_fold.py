"""The folded migrations (one per database object) build exactly the database the old ones
left, and a database migrated with the old ones stays usable: the runner finds it up to date,
and a migration added after the fold applies to both kinds.

Roles are cluster-wide, so each set runs on a server of its own: the old set on one, the folded
set on the other, and both servers' roles are compared too. The old set is kept frozen under
tests/fixtures/migrations_before_fold/. pg_dump of the server's own version does the comparing:
tables, columns, types, defaults, constraints, indexes, functions, triggers, privileges, owners
and comments, without anyone listing them."""

from __future__ import annotations

import difflib
import hashlib
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from quizflow.eventstore.admin import create_database
from quizflow.eventstore.migrate import migrate
from quizflow.eventstore.migration_fold import (
    FOLDED_NAMES,
    PRE_FOLD_NAMES,
    PartlyMigratedBeforeFoldError,
)
from quizflow.eventstore.sqlfiles import MIGRATIONS_DIR, migrations
from tests.throwaway_postgres import ThrowawayPostgres, throwaway_postgres

pytestmark = pytest.mark.slow

BEFORE_FOLD = Path(__file__).resolve().parent.parent / "fixtures" / "migrations_before_fold"
# Random per database (the privacy secrets and the pads made from them), checked apart.
RANDOM_TABLES = ("quizflow_privacy.secrets", "quizflow_privacy.pseudonym_pads")
# The runner's own bookkeeping, which differs by design between the two kinds of database.
BOOKKEEPING = "public.quizflow_migrations*"


@pytest.fixture(scope="module")
def old_server() -> Iterator[ThrowawayPostgres]:
    """A server only the old migrations ever ran on."""
    with throwaway_postgres() as pg:
        yield pg


@pytest.fixture(scope="module")
def new_server() -> Iterator[ThrowawayPostgres]:
    """A server only the folded migrations ever ran on."""
    with throwaway_postgres() as pg:
        yield pg


def _new_database(server: ThrowawayPostgres) -> str:
    return create_database(server.server_url, f"fold_{uuid.uuid4().hex[:8]}")


def _migrated(server: ThrowawayPostgres, directory: Path) -> str:
    url = _new_database(server)
    migrate(url, directory)
    return url


def _without_run_specific_lines(dump: str) -> list[str]:
    # pg_dump 17.6+ fences its output with \restrict and a random key.
    return [
        line for line in dump.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))
    ]


def _schema(server: ThrowawayPostgres, url: str) -> list[str]:
    return _without_run_specific_lines(
        server.run_binary("pg_dump", "--schema-only", f"--exclude-table={BOOKKEEPING}", url)
    )


def _data(server: ThrowawayPostgres, url: str) -> list[str]:
    excluded = [f"--exclude-table-data={table}" for table in (*RANDOM_TABLES, BOOKKEEPING)]
    return _without_run_specific_lines(server.run_binary("pg_dump", "--data-only", *excluded, url))


def _roles(server: ThrowawayPostgres) -> list[str]:
    return _without_run_specific_lines(
        server.run_binary("pg_dumpall", "--roles-only", f"--dbname={server.server_url}")
    )


def _differences(old: list[str], new: list[str]) -> str:
    return "\n".join(difflib.unified_diff(old, new, "old set", "folded set", lineterm=""))


def _privacy_secrets_hold(url: str) -> bool:
    """The secrets exist, and the pads are HMAC-SHA-256's inner and outer keys of the pseudonym
    secret (values are random per database, so this is what both sets must agree on)."""
    with psycopg.connect(url) as conn:
        secrets = dict(conn.execute("select name, value from quizflow_privacy.secrets").fetchall())
        pads = conn.execute(
            "select inner_pad, outer_pad from quizflow_privacy.pseudonym_pads"
        ).fetchall()
    padded = bytes(secrets["pseudonym"]).ljust(hashlib.sha256().block_size, b"\0")
    return sorted(secrets) == ["pseudonym", "student-number"] and pads == [
        (bytes(b ^ 0x36 for b in padded), bytes(b ^ 0x5C for b in padded))
    ]


def _recorded(url: str, table: str = "quizflow_migrations") -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"select number, name from public.{table} order by number").fetchall()


def test_the_package_holds_the_folded_set() -> None:
    names = [name for _, name, _ in migrations()]
    assert names[: len(FOLDED_NAMES)] == list(FOLDED_NAMES)
    assert [path.stem for path in sorted(BEFORE_FOLD.glob("*.sql"))] == list(PRE_FOLD_NAMES)


def test_the_folded_migrations_build_the_same_database_as_the_old_ones(
    old_server: ThrowawayPostgres, new_server: ThrowawayPostgres
) -> None:
    old = _migrated(old_server, BEFORE_FOLD)
    new = _migrated(new_server, MIGRATIONS_DIR)

    old_schema, new_schema = _schema(old_server, old), _schema(new_server, new)
    assert any("CREATE FUNCTION quizflow.append_event(" in line for line in new_schema)
    assert old_schema == new_schema, _differences(old_schema, new_schema)
    old_data, new_data = _data(old_server, old), _data(new_server, new)
    assert any("roster/SchoolTimeZoneChanged" in line for line in new_data)
    assert old_data == new_data, _differences(old_data, new_data)
    old_roles, new_roles = _roles(old_server), _roles(new_server)
    assert any("quizflow_names TO quizflow_writer" in line for line in new_roles)
    assert old_roles == new_roles, _differences(old_roles, new_roles)
    assert _privacy_secrets_hold(old) and _privacy_secrets_hold(new)


def test_the_comparison_notices_a_missing_grant(
    old_server: ThrowawayPostgres, new_server: ThrowawayPostgres, tmp_path: Path
) -> None:
    doctored = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, doctored)
    privileges = doctored / "0010_event_store_privileges.sql"
    grant = "grant select on quizflow.event_types to quizflow_writer, quizflow_reader;\n"
    assert grant in privileges.read_text()
    privileges.write_text(privileges.read_text().replace(grant, ""))

    old_schema = _schema(old_server, _migrated(old_server, BEFORE_FOLD))
    new_schema = _schema(new_server, _migrated(new_server, doctored))
    assert old_schema != new_schema
    assert "GRANT SELECT ON TABLE quizflow.event_types TO quizflow_writer" in _differences(
        old_schema, new_schema
    )


def test_a_database_migrated_before_the_fold_is_up_to_date_and_takes_later_migrations(
    old_server: ThrowawayPostgres, new_server: ThrowawayPostgres, tmp_path: Path
) -> None:
    old = _migrated(old_server, BEFORE_FOLD)
    new = _migrated(new_server, MIGRATIONS_DIR)
    schema_before = _schema(old_server, old)

    assert migrate(old) == []
    assert _schema(old_server, old) == schema_before
    assert _recorded(old) == list(enumerate(FOLDED_NAMES, start=1))
    assert _recorded(old, "quizflow_migrations_before_fold") == list(
        enumerate(PRE_FOLD_NAMES, start=1)
    )
    assert migrate(old) == []  # the fold is taken in once
    with psycopg.connect(old) as conn:  # and the store still appends as the writer
        conn.execute("set role quizflow_writer")
        stored = conn.execute(
            "select stored_version from quizflow.append_event("
            "'roster-1', 0, gen_random_uuid(), 'roster/SchoolTimeZoneChanged', '{}', null, null)"
        ).fetchall()
    assert stored == [(1,)]

    # The next number after the folded set, which the old set had used for something else.
    later = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, later)
    next_number = len(FOLDED_NAMES) + 1
    (later / f"{next_number:04d}_test_later_type.sql").write_text(
        "insert into quizflow.event_types (type) values ('test/AddedAfterTheFold');\n"
    )
    assert migrate(old, later) == [f"{next_number:04d}_test_later_type"]
    assert migrate(new, later) == [f"{next_number:04d}_test_later_type"]
    for url in (old, new):
        with psycopg.connect(url) as conn:
            assert conn.execute(
                "select count(*) from quizflow.event_types where type = 'test/AddedAfterTheFold'"
            ).fetchone() == (1,)
    assert _schema(old_server, old) == _schema(new_server, new)


def test_a_database_with_only_part_of_the_old_migrations_is_refused_untouched(
    old_server: ThrowawayPostgres, tmp_path: Path
) -> None:
    partial = tmp_path / "migrations"
    partial.mkdir()
    for path in sorted(BEFORE_FOLD.glob("*.sql"))[:17]:
        shutil.copy(path, partial)
    url = _migrated(old_server, partial)
    recorded = _recorded(url)

    with pytest.raises(PartlyMigratedBeforeFoldError, match="0018_school_time_zone_event"):
        migrate(url)
    assert _recorded(url) == recorded
    with psycopg.connect(url) as conn:
        assert conn.execute(
            "select to_regclass('public.quizflow_migrations_before_fold')"
        ).fetchone() == (None,)
