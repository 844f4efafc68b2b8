-- One stream's events from a version on, in stream order.
select position, tx::text::bigint as tx, event_id, stream_id, version, type, data, metadata,
       occurred_at, recorded_at
  from quizflow.events
 where stream_id = %(stream_id)s and version >= %(from_version)s
 order by version
