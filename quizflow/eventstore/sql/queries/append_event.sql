-- Append one event to a stream (see migrations/0009_append_event_function.sql).
-- Positional parameters, in this order: stream_id, expected_version, event_id, type, data,
-- metadata, occurred_at (the hottest statement: no name-to-position mapping per call).
select stored_position, stored_tx, stored_version, stored_recorded_at
  from quizflow.append_event(%s, %s, %s, %s, %s::jsonb, %s::jsonb, %s::timestamptz)
