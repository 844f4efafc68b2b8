-- Raw events, one row per stored event, exactly as in PostgreSQL (immutable, never updated).
-- Key: event_id (checked, not enforced: an index would cost memory and insert time, and the
-- ingest cursor already makes each event arrive once). Order: (tx, position), the store's.
-- student_id .. attempt are copied out of `data` by the ingest query, as text, for projections.
-- data and metadata are JSON text typed varchar: PostgreSQL's jsonb already guarantees they
-- parse, and letting DuckDB validate them again cost a fifth of the ingest time. The
-- JSON functions (->, ->>, json_extract) read them all the same.
create table if not exists events (
    position    bigint      not null,
    tx          bigint      not null,
    event_id    uuid        not null,
    stream_id   varchar     not null,
    version     bigint      not null,
    type        varchar     not null,
    data        varchar     not null,
    metadata    varchar     not null,
    occurred_at timestamptz not null,
    recorded_at timestamptz not null,
    student_id  varchar,
    course_id   varchar,
    chapter_id  varchar,
    question_id varchar,
    attempt     varchar
);
