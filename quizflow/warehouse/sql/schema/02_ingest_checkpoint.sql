-- The ingest cursor: one row, written in the same transaction as the rows it covers.
create table if not exists ingest_checkpoint (
    id         integer primary key check (id = 1),
    tx         bigint not null,
    position   bigint not null,
    events     bigint not null,
    updated_at timestamptz not null
);
