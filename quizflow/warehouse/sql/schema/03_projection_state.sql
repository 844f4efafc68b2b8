-- Per projection: the SQL it was built with and the ingest cursor it has applied up to.
-- A changed sql_hash, or no row at all, makes the runner rebuild it from the raw events.
create table if not exists projection_state (
    name       varchar primary key,
    sql_hash   varchar not null,
    tx         bigint  not null,
    position   bigint  not null,
    updated_at timestamptz not null
);
