-- The event log: one row per event, append-only.
-- `tx` is the appending transaction's id. Readers order by (tx, position) and only read
-- transactions older than every running one, so a late commit can never be skipped
-- (see quizflow/eventstore/postgres.py for the reasoning).
create table quizflow.events (
    position    bigint generated always as identity primary key,
    tx          xid8 not null default pg_current_xact_id(),
    event_id    uuid not null unique,
    stream_id   text not null check (stream_id <> ''),
    version     bigint not null check (version > 0),
    type        text not null check (type <> ''),
    data        jsonb not null,
    metadata    jsonb not null default '{}'::jsonb,
    occurred_at timestamptz not null,
    recorded_at timestamptz not null default now(),
    constraint events_stream_version_key unique (stream_id, version)
);
