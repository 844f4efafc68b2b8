-- The group roles every privilege in the store is granted to, so that a login (made per process
-- kind by quizflow/eventstore/logins.py) inherits exactly one kind's rights and nothing is
-- granted to a login directly (docs/database-roles.md):
-- - quizflow_writer appends (only through the append functions) and reads the log;
-- - quizflow_reader only reads it (the pipeline);
-- - quizflow_accounts owns the credentials, which no event connection may read;
-- - quizflow_names reads and writes the privacy keys; the writer is a member (the web app shows
--   and seals names), the reader is not, so analytics never see a name.
-- Roles are cluster-wide, so they may exist already (another database on the same server).
do $$
begin
    if not exists (select from pg_roles where rolname = 'quizflow_writer') then
        create role quizflow_writer nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'quizflow_reader') then
        create role quizflow_reader nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'quizflow_accounts') then
        create role quizflow_accounts nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'quizflow_names') then
        create role quizflow_names nologin;
    end if;
end
$$;

grant quizflow_names to quizflow_writer;
-- The migrating user may act as each group (SET ROLE) to prove the privileges hold.
grant quizflow_writer, quizflow_reader to current_user;
grant quizflow_accounts to current_user;
grant quizflow_names to current_user;
