-- Events already stored under some event ids (the slow path of an idempotent retry).
select position, tx::text::bigint as tx, event_id, stream_id, version, type, data, metadata,
       occurred_at, recorded_at
  from quizflow.events
 where event_id = any(%(event_ids)s::uuid[])
 order by events.stream_id, events.version
