-- The append functions refuse events no reader can use with SQLSTATE QF004: a type outside
-- quizflow.event_types, or a non-finite occurred_at ('infinity', '-infinity'; no reader can turn
-- it into a time: psycopg refuses to load it, and every timing built on it is meaningless).
-- This raises the refusal; it returns its argument's type so that it fits where the value would
-- go (coalesce, case). Volatile (the default), so the planner never calls it ahead of time: it
-- runs only for an event that fails a check.
create function quizflow.refuse_unusable_event(
    p_stream_id text, p_problem text, p_value anyelement
) returns anyelement
language plpgsql
as $$
begin
    raise exception 'event refused in stream %: %', p_stream_id, p_problem
        using errcode = 'QF004';
end
$$;
