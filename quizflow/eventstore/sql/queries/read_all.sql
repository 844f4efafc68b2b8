-- Catch-up read in global order after a (tx, position) cursor.
-- Only transactions older than the oldest one still running are read: every transaction below
-- that horizon has committed or rolled back, so no event can later appear behind the cursor.
-- One statement, so the horizon and the rows come from the same snapshot. The order names the
-- table's columns: the output alias `tx` (a bigint) would force a sort instead of the index.
-- %(types)s is null for every type.
select position, tx::text::bigint as tx, event_id, stream_id, version, type, data, metadata,
       occurred_at, recorded_at
  from quizflow.events
 where (tx, position) > (%(tx)s::text::xid8, %(position)s::bigint)
   and tx < pg_snapshot_xmin(pg_current_snapshot())
   and (%(types)s::text[] is null or type = any(%(types)s::text[]))
 order by events.tx, events.position
 limit %(limit)s
