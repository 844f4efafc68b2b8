-- The append as one SQL statement (no PL/pgSQL): read the stream's version and insert after it,
-- only when it is the expected one. A wrong expected version inserts nothing and returns no
-- rows; the client then reads the actual version (and whether this very append was stored
-- before) and reports the conflict. Two appends racing for the same version: the unique
-- (stream_id, version) key fails the later one. It saves the PL/pgSQL interpreter's overhead
-- of 0007 on every append, which 16 writers notice (bench/README.md).
create or replace function quizflow.append_events(
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
           x.value ->> 'type',
           x.value -> 'data',
           coalesce(x.value -> 'metadata', '{}'::jsonb),
           coalesce((x.value ->> 'occurred_at')::timestamptz, now())
      from current_version c, jsonb_array_elements(p_events) with ordinality as x
     where p_expected_version is null or p_expected_version = c.version
    returning *;
$$;
