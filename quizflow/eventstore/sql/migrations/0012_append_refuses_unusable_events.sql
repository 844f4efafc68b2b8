-- The append functions refuse events no reader can use, with SQLSTATE QF004:
-- - a type outside the vocabulary, kept in quizflow.event_types (docs/events.md). A later
--   migration that adds event types adds their rows: insert into quizflow.event_types ...;
--   the functions read the table on every append, so a new type is accepted from its commit on.
-- - a non-finite occurred_at ('infinity', '-infinity'): no reader can turn it into a time
--   (psycopg refuses to load it, and every timing built on it is meaningless).
-- Nothing else changes: same signatures, same single-statement SQL functions (CREATE OR REPLACE
-- keeps their owner and the grants to quizflow_writer), same results.
--
-- Why a lookup in the functions and not CHECK constraints on quizflow.events: a CHECK
-- constraint's expression is prepared again for every statement, and each append is one; the
-- lookup is a probe of a one-page table, and costs an append much less than the constraints
-- did (bench/README.md, "Measurements behind the design").
-- A foreign key to event_types was not tried: its trigger runs a query and locks the referenced
-- row (FOR KEY SHARE) on every append, which concurrent writers of the same few types share
-- through multixacts. And a table is what later migrations extend with an INSERT, without
-- rewriting a constraint that lists every type.
-- Events stored before this migration are not checked (readers skip types they do not know).

-- The vocabulary of docs/events.md (quizflow.quiz.EVENT_TYPES: a contract test appends each).
create table quizflow.event_types (
    type text primary key check (type <> '')
);

insert into quizflow.event_types (type) values
    ('course/CoursePublished'),
    ('roster/SchoolRegistered'),
    ('roster/ClassRegistered'),
    ('roster/StudentEnrolled'),
    ('roster/StudentMoved'),
    ('roster/StudentRenamed'),
    ('accounts/AccountCreated'),
    ('accounts/RoleGranted'),
    ('accounts/RoleRevoked'),
    ('accounts/AccountDeactivated'),
    ('accounts/AccountReactivated'),
    ('accounts/PersonErased'),
    ('chapter-quiz/QuizStarted'),
    ('chapter-quiz/QuestionAssigned'),
    ('chapter-quiz/QuestionAnsweredCorrectly'),
    ('chapter-quiz/QuestionAnsweredIncorrectly'),
    ('chapter-quiz/QuizStartedOver'),
    ('chapter-quiz/QuizPassed');

revoke all on quizflow.event_types from public;
grant select on quizflow.event_types to quizflow_writer, quizflow_reader;

-- Raises the refusal; returns its argument's type so that it fits where the value would go
-- (coalesce, case). Volatile (the default), so the planner never calls it ahead of time: it runs
-- only for an event that fails a check.
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
revoke all on function quizflow.refuse_unusable_event(text, text, anyelement) from public;

create or replace function quizflow.append_event(
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
