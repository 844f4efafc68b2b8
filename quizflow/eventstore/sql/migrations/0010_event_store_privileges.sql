-- Least privilege for the event store: the writer reads the log and appends only through the
-- append functions (which check versions and refuse unusable events); the reader only reads.
-- Nobody else, PUBLIC included, may touch any of it; the owner alone runs migrations.
revoke all on quizflow.events from public;
revoke all on quizflow.event_types from public;
revoke all on function quizflow.append_events(text, bigint, jsonb) from public;
revoke all on function quizflow.append_event(text, bigint, uuid, text, jsonb, jsonb, timestamptz)
    from public;
revoke all on function quizflow.refuse_unusable_event(text, text, anyelement) from public;

grant usage on schema quizflow to quizflow_writer, quizflow_reader;
grant select on quizflow.events to quizflow_writer, quizflow_reader;
grant select on quizflow.event_types to quizflow_writer, quizflow_reader;
grant execute on function quizflow.append_events(text, bigint, jsonb) to quizflow_writer;
grant execute on function quizflow.append_event(text, bigint, uuid, text, jsonb, jsonb, timestamptz)
    to quizflow_writer;
