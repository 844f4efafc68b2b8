-- Appends events to one stream in one round trip, checking the expected version.
-- p_expected_version: null = any version, 0 = the stream must not exist, n = exactly n.
-- p_events: [{event_id, type, data, metadata, occurred_at}] in order.
-- Retrying an append whose events are stored returns them and stores nothing (idempotency by
-- event id); reusing an id for a different event fails with QF002. A wrong expected version
-- fails with QF001 and the actual version in DETAIL. Two appends racing for the same version:
-- the unique (stream_id, version) key makes the later one fail; the client reports it as a
-- concurrency error.
-- No NOTIFY here: a NOTIFY inside the transaction takes a cluster-wide lock at commit and
-- serialises every commit behind it (it more than halved 16 writers' appends/s; see
-- bench/README.md, "Measurements behind the design").
-- The client sends the wake-up after commit instead (see postgres.py, _Notifier).
create function quizflow.append_events(
    p_stream_id text, p_expected_version bigint, p_events jsonb
) returns setof quizflow.events
language plpgsql
security definer
set search_path = quizflow, pg_temp
as $$
declare
    v_count   int := jsonb_array_length(p_events);
    v_stored  int;
    v_same    int;
    v_current bigint;
begin
    select count(*), count(*) filter (
               where e.stream_id = p_stream_id
                 and e.type = x.value ->> 'type'
                 and e.data = x.value -> 'data')
      into v_stored, v_same
      from jsonb_array_elements(p_events) as x
      join events e on e.event_id = (x.value ->> 'event_id')::uuid;

    if v_stored > 0 then
        if v_stored = v_count and v_same = v_count then
            return query
                select e.* from events e
                 where e.event_id in (select (x.value ->> 'event_id')::uuid
                                        from jsonb_array_elements(p_events) as x)
                 order by e.version;
            return;
        end if;
        raise exception 'event id reused for a different event in stream %', p_stream_id
            using errcode = 'QF002';
    end if;

    select coalesce(max(version), 0) into v_current from events where stream_id = p_stream_id;
    if p_expected_version is not null and p_expected_version <> v_current then
        raise exception 'stream % is at version %, expected %',
                p_stream_id, v_current, p_expected_version
            using errcode = 'QF001', detail = v_current::text;
    end if;

    return query
        insert into events (event_id, stream_id, version, type, data, metadata, occurred_at)
        select (x.value ->> 'event_id')::uuid,
               p_stream_id,
               v_current + x.ordinality,
               x.value ->> 'type',
               x.value -> 'data',
               coalesce(x.value -> 'metadata', '{}'::jsonb),
               coalesce((x.value ->> 'occurred_at')::timestamptz, now())
          from jsonb_array_elements(p_events) with ordinality as x
        returning *;
end
$$;
