-- Append one event to a stream (see migrations/0009_append_event_function.sql).
select stored_position, stored_tx, stored_version, stored_occurred_at, stored_recorded_at
  from quizflow.append_event(
           %(stream_id)s, %(expected_version)s, %(event_id)s, %(type)s, %(data)s::jsonb,
           %(metadata)s::jsonb, %(occurred_at)s::timestamptz)
