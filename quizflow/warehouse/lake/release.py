"""Releases: the set of table snapshots readers open, replacing the DuckDB mode's publish.

Iceberg commits one table at a time. A run that passed its blocking checks records which
snapshot of each table it built and checked, as one release: a row appended to the
``qf_releases`` table, its id and contents also in that commit's snapshot summary and, for the
newest one, in the table's properties (one catalog read finds it). Readers open a release: every
table at the snapshot id it names, so they keep reading the same rows while later runs commit,
and a run whose checks failed releases nothing (readers keep the previous release).

Release ids count up from 1. Two runs releasing at once: the second's commit fails, it reads the
newest release again and releases only when its own cursor is newer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
from pyiceberg.exceptions import CommitFailedException
from pyiceberg.table import Table

from quizflow.eventstore.types import Cursor
from quizflow.warehouse.lake.catalog import Lake
from quizflow.warehouse.lake.columns import COLUMNS_PROPERTY, encode

RELEASES = "qf_releases"
RELEASE_PROPERTY = "quizflow.release"
MAX_CONFLICTS = 20
_SCHEMA = pa.schema(
    [
        ("release_id", pa.int64()),
        ("released_at", pa.timestamp("us", tz="UTC")),
        ("cursor", pa.string()),
        ("events", pa.int64()),
        ("snapshots", pa.string()),
        ("full_checked_at", pa.timestamp("us", tz="UTC")),
    ]
)
_COLUMNS = [
    ("release_id", "BIGINT"),
    ("released_at", "TIMESTAMP WITH TIME ZONE"),
    ("cursor", "VARCHAR"),
    ("events", "BIGINT"),
    ("snapshots", "VARCHAR"),
    ("full_checked_at", "TIMESTAMP WITH TIME ZONE"),
]


@dataclass(frozen=True)
class Release:
    release_id: int
    released_at: datetime
    cursor: Cursor
    events: int
    # Each table's snapshot id (None: the table had no rows yet).
    snapshots: dict[str, int | None]
    # When the blocking checks last looked at every event (None: never).
    full_checked_at: datetime | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "release_id": self.release_id,
                "released_at": self.released_at.isoformat(),
                "cursor": str(self.cursor),
                "events": self.events,
                "snapshots": self.snapshots,
                "full_checked_at": self.full_checked_at.isoformat()
                if self.full_checked_at
                else None,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Release:
        data = json.loads(text)
        checked = data.get("full_checked_at")
        return cls(
            int(data["release_id"]),
            datetime.fromisoformat(data["released_at"]),
            Cursor.parse(data["cursor"]),
            int(data["events"]),
            {str(k): (int(v) if v is not None else None) for k, v in data["snapshots"].items()},
            datetime.fromisoformat(checked) if checked else None,
        )


def latest_release(lake: Lake) -> Release | None:
    table = lake.table(RELEASES)
    return _latest(table)


def _latest(table: Table | None) -> Release | None:
    text = table.properties.get(RELEASE_PROPERTY) if table is not None else None
    return Release.from_json(text) if text else None


def release_by_id(lake: Lake, release_id: int) -> Release:
    """An earlier (or the newest) release; ``LookupError`` when there is no such release."""
    table = lake.table(RELEASES)
    for snapshot in table.snapshots() if table is not None else []:
        text = snapshot.summary.get(RELEASE_PROPERTY) if snapshot.summary else None
        if text and Release.from_json(text).release_id == release_id:
            return Release.from_json(text)
    raise LookupError(f"the lake has no release {release_id}")


def write_release(
    lake: Lake,
    cursor: Cursor,
    events: int,
    snapshots: dict[str, int | None],
    full_checked_at: datetime | None,
) -> Release:
    """Release these snapshots; return the release readers now open (a concurrent run's,
    when it released a newer cursor first)."""
    table = lake.table(RELEASES) or lake.create_table(RELEASES, _SCHEMA)
    for _ in range(MAX_CONFLICTS + 1):
        newest = _latest(table)
        if newest is not None and newest.cursor > cursor:
            return newest
        if newest is not None and (newest.cursor, newest.snapshots) == (cursor, snapshots):
            # Nothing changed: readers already open these snapshots. A full check passed since
            # is not worth a commit: the next release records it.
            return newest
        release = Release(
            (newest.release_id if newest else 0) + 1,
            datetime.now(UTC),
            cursor,
            events,
            snapshots,
            full_checked_at,
        )
        text = release.to_json()
        row = pa.table(
            {
                "release_id": [release.release_id],
                "released_at": [release.released_at],
                "cursor": [str(cursor)],
                "events": [events],
                "snapshots": [json.dumps(snapshots)],
                "full_checked_at": [full_checked_at],
            },
            schema=_SCHEMA,
        )
        txn = table.transaction()
        txn.append(
            row, snapshot_properties={RELEASE_PROPERTY: text, COLUMNS_PROPERTY: encode(_COLUMNS)}
        )
        txn.set_properties({RELEASE_PROPERTY: text})
        try:
            txn.commit_transaction()
            return release
        except CommitFailedException:
            table = lake.table(RELEASES) or table
    raise CommitFailedException(f"could not record a release after {MAX_CONFLICTS} conflicts")
