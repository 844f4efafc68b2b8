-- Appends events to one stream in one round trip, only when the stream is at the expected
-- version (p_expected_version: null = any version, 0 = the stream must not exist, n = exactly n).
-- p_events: [{event_id, type, data, metadata, occurred_at}] in order.
-- A wrong expected version inserts nothing and returns no rows; the client then reads the actual
-- version (and whether this very append was stored before: a retry) and reports the conflict.
-- Two appends racing for the same version: the unique (stream_id, version) key fails the later
-- one. Keeping the idempotency lookup out of the hot path, and the whole append one SQL
-- statement (no PL/pgSQL interpreter), is what lets 16 writers append fast (bench/README.md).
-- Events no reader can use are refused (quizflow.refuse_unusable_event).
-- No NOTIFY here: a NOTIFY inside the transaction takes a cluster-wide lock at commit and
-- serialises every commit behind it; the client sends the wake-up after commit instead
-- (postgres.py, _Notifier).
-- Security definer: the writer role may append only through here, never insert directly.
create function quizflow.append_events(
    p_stream_id text, p_expected_version bigint, p_events jsonb
) returns setof quizflow.events
language sql
security definer
set search_path = quizflow, pg_temp
as $$
    with current_version as (
        select coalesce(max(version), 0) as version
          from quizflow.events
         where stream_id = p_stream_id
    )
    insert into quizflow.events (event_id, stream_id, version, type, data, metadata, occurred_at)
    select (x.value ->> 'event_id')::uuid,
           p_stream_id,
           c.version + x.ordinality,
           coalesce((select t.type from quizflow.event_types t where t.type = x.value ->> 'type'),
                    quizflow.refuse_unusable_event(
                        p_stream_id,
                        format('unknown event type %L (not in quizflow.event_types)',
                               x.value ->> 'type'),
                        x.value ->> 'type')),
           x.value -> 'data',
           coalesce(x.value -> 'metadata', '{}'::jsonb),
           case when o.at is null then now()
                when isfinite(o.at) then o.at
                else quizflow.refuse_unusable_event(
                    p_stream_id, format('occurred_at %s is not a finite time', o.at), o.at)
           end
      from current_version c,
           jsonb_array_elements(p_events) with ordinality as x,
           lateral (select (x.value ->> 'occurred_at')::timestamptz as at) as o
     where p_expected_version is null or p_expected_version = c.version
    returning *;
$$;
