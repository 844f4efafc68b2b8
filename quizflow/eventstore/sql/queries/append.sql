-- Append events to one stream (see migrations/0008_append_function_sql.sql).
-- Returns only what the store assigned: the caller already has the types, data and metadata,
-- and parsing them back cost more client time than the append's own round trip.
select position, tx::text::bigint as tx, event_id, version, occurred_at, recorded_at
  from quizflow.append_events(%(stream_id)s, %(expected_version)s, %(events)s::jsonb)
 order by version
