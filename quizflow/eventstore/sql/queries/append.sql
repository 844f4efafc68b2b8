-- Append events to one stream (see migrations/0008_append_events_function.sql); one event goes
-- through append_event.sql instead.
-- Returns only what the store assigned, in the events' order: the caller already has the types,
-- data and metadata, and parsing them back cost more client time than the append's round trip.
select position, tx::text::bigint as tx, version, recorded_at
  from quizflow.append_events(%(stream_id)s, %(expected_version)s, %(events)s::jsonb)
 order by version
