-- The append function without the idempotency lookup on its hot path: two statements, the
-- version check and the insert. A retried append now fails like any other (a unique event_id,
-- or a version that moved on); the client then looks the event ids up (queries/stored_events.sql)
-- and returns the stored events when they are the same ones. The lookup was a large share of
-- every append's time (bench/README.md), for a case that only retries hit.
create or replace function quizflow.append_events(
    p_stream_id text, p_expected_version bigint, p_events jsonb
) returns setof quizflow.events
language plpgsql
security definer
set search_path = quizflow, pg_temp
as $$
declare
    v_current bigint;
begin
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
