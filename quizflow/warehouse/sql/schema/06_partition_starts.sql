-- Per projection and partition: the lowest position of the partition's events ingested so far.
-- A run recomputing a few partitions reads the raw events from the lowest of theirs on, so
-- DuckDB skips the older row groups (see quizflow/warehouse/partition_starts.py). Kept with
-- the projection's rows, in the same transaction; a rebuild recreates it.
create table if not exists partition_starts (
    projection     varchar not null,
    partition      varchar not null,
    first_position bigint  not null
);
