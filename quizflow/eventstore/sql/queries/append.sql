-- Append events to one stream (see migrations/0005_append_function.sql).
select position, tx::text::bigint as tx, event_id, stream_id, version, type, data, metadata,
       occurred_at, recorded_at
  from quizflow.append_events(%(stream_id)s, %(expected_version)s, %(events)s::jsonb)
 order by version
