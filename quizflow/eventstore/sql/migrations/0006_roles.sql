-- Two roles: the writer appends (only through append_events) and reads; the reader only reads.
-- Roles are cluster-wide, so they may exist already (another database on the same server).
do $$
begin
    if not exists (select from pg_roles where rolname = 'quizflow_writer') then
        create role quizflow_writer nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'quizflow_reader') then
        create role quizflow_reader nologin;
    end if;
end
$$;

revoke all on quizflow.events from public;
revoke all on function quizflow.append_events(text, bigint, jsonb) from public;
grant usage on schema quizflow to quizflow_writer, quizflow_reader;
grant select on quizflow.events to quizflow_writer, quizflow_reader;
grant execute on function quizflow.append_events(text, bigint, jsonb) to quizflow_writer;
-- The migrating user may act as either role (SET ROLE) to prove the privileges hold.
grant quizflow_writer, quizflow_reader to current_user;
