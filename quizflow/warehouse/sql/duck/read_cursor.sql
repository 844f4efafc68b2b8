-- The ingest cursor (no row: nothing ingested yet).
select tx, position, events, updated_at from ingest_checkpoint where id = 1
