-- The event log: one row per event, append-only; every other table is derived from it.
-- `tx` is the appending transaction's id. Readers order by (tx, position) and only read
-- transactions older than every running one, so a late commit can never be skipped
-- (see quizflow/eventstore/postgres.py for the reasoning).
-- The key is that global order, (tx, position), and not position alone: readers need an index on
-- (tx, position) anyway, and a second unique index on position would cost every append one more
-- index insert (and its WAL) for no query. position stays unique without it: it is an identity
-- column GENERATED ALWAYS, filled by the sequence alone (only the owner could override it, and
-- appends run as the writer role through the append functions).
create table quizflow.events (
    position    bigint generated always as identity,
    tx          xid8 not null default pg_current_xact_id(),
    event_id    uuid not null unique,
    stream_id   text not null check (stream_id <> ''),
    version     bigint not null check (version > 0),
    type        text not null check (type <> ''),
    data        jsonb not null,
    metadata    jsonb not null default '{}'::jsonb,
    occurred_at timestamptz not null,
    recorded_at timestamptz not null default now(),
    constraint events_stream_version_key unique (stream_id, version),
    constraint events_pkey primary key (tx, position)
);
