-- Record a projection's progress; same transaction as the projection's own changes.
insert or replace into projection_state (name, sql_hash, tx, position, updated_at)
values ($name, $sql_hash, $tx, $position, $now)
