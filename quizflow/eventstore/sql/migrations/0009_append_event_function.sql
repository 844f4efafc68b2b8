-- The append of a single event, the common case (a command emits one event most of the time),
-- with each field as a parameter of its own: the jsonb array of append_events costs the server
-- more per append than this (parsing the array, then taking each field out of it and casting
-- it); bench/README.md has the figures.
-- Same rules as append_events: a wrong expected version inserts nothing and returns no row;
-- two appends racing for a version are told apart by the unique (stream_id, version) key;
-- unusable events are refused.
-- It returns only what the store assigns: the caller has the rest (occurred_at too: the one it
-- passed, or the append's time, which is recorded_at).
create function quizflow.append_event(
    p_stream_id text,
    p_expected_version bigint,
    p_event_id uuid,
    p_type text,
    p_data jsonb,
    p_metadata jsonb,
    p_occurred_at timestamptz
) returns table (
    stored_position bigint,
    stored_tx bigint,
    stored_version bigint,
    stored_recorded_at timestamptz
)
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
    select p_event_id, p_stream_id, c.version + 1,
           coalesce((select t.type from quizflow.event_types t where t.type = p_type),
                    quizflow.refuse_unusable_event(
                        p_stream_id,
                        format('unknown event type %L (not in quizflow.event_types)', p_type),
                        p_type)),
           p_data,
           coalesce(p_metadata, '{}'::jsonb),
           case when p_occurred_at is null then now()
                when isfinite(p_occurred_at) then p_occurred_at
                else quizflow.refuse_unusable_event(
                    p_stream_id, format('occurred_at %s is not a finite time', p_occurred_at),
                    p_occurred_at)
           end
      from current_version c
     where p_expected_version is null or p_expected_version = c.version
    returning position, tx::text::bigint, version, recorded_at;
$$;
