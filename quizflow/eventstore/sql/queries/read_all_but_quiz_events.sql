-- Every event but the quizzes' (types chapter-quiz/...) after a cursor and up to another, in
-- global order: what the live read model folds when it starts. ``upto`` is a head the store
-- reported, below the horizon of running transactions, so nothing can still appear before it.
-- The type predicate is the partial index's (migrations/0004_events_but_quiz_events_index.sql), spelled the same.
select position, tx::text::bigint as tx, event_id, stream_id, version, type, data, metadata,
       occurred_at, recorded_at
  from quizflow.events
 where (tx, position) > (%(tx)s::text::xid8, %(position)s::bigint)
   and (tx, position) <= (%(upto_tx)s::text::xid8, %(upto_position)s::bigint)
   and type not like 'chapter-quiz/%%'
 order by events.tx, events.position
 limit %(limit)s
