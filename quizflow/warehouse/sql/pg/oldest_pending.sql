-- When the oldest event the warehouse has not ingested yet was recorded (null: none pending).
-- No horizon here on purpose: events held back by a running transaction are lag too.
select min(recorded_at) as oldest_pending, now() as checked_at
  from quizflow.events
 where (tx, position) > (%(tx)s::text::xid8, %(position)s::bigint)
