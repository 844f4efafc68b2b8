-- The append of a single event, the common case (a command emits one event most of the time),
-- with each field as a parameter of its own: the jsonb array of append_events costs the server
-- more per append than this (parsing the array, then taking each field out of it and casting
-- it); bench/README.md has the figures.
-- Same rules as append_events: a wrong expected version inserts nothing and returns no row;
-- two appends racing for a version are told apart by the unique (stream_id, version) key.
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
    select p_event_id, p_stream_id, c.version + 1, p_type, p_data,
           coalesce(p_metadata, '{}'::jsonb), coalesce(p_occurred_at, now())
      from current_version c
     where p_expected_version is null or p_expected_version = c.version
    returning position, tx::text::bigint, version, recorded_at;
$$;

revoke all on function quizflow.append_event(text, bigint, uuid, text, jsonb, jsonb, timestamptz)
    from public;
grant execute on function quizflow.append_event(text, bigint, uuid, text, jsonb, jsonb, timestamptz)
    to quizflow_writer;
