-- Whether any event lies past a cursor, visible now or not: a reader that finds nothing to
-- read while this is true is waiting behind a running transaction (lag), not at the end.
select exists (
    select from quizflow.events
     where (tx, position) > (%(tx)s::text::xid8, %(position)s::bigint)
)
