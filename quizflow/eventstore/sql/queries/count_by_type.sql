-- Events per type up to a cursor (reconciliation against the warehouse).
select type, count(*) as events
  from quizflow.events
 where (tx, position) <= (%(tx)s::text::xid8, %(position)s::bigint)
 group by type
 order by type
