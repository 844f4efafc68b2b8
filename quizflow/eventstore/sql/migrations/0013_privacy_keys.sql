-- Crypto-shredding: every person's personal text (names) in the log is sealed with a key of
-- their own, kept here, outside the immutable log. Destroying a key erases that person's
-- names from every copy of the log at once; answers and timings stay.
-- Only the group quizflow_names may read or write keys: the writer (the web app, which shows
-- names to teachers and seals them when accounts are made) is a member; the pipeline's reader
-- role is not, so analytics never see a name.
do $$
begin
    if not exists (select from pg_roles where rolname = 'quizflow_names') then
        create role quizflow_names nologin;
    end if;
end
$$;

create schema quizflow_privacy;

create table quizflow_privacy.subject_keys (
    subject_id text primary key,
    key_id uuid not null unique,
    key bytea not null check (octet_length(key) = 32),
    created_at timestamptz not null default now()
);

-- Keys of the privacy code itself (e.g. deriving a student's id from a school's student
-- number without the number being recoverable from the id): random, made once here.
create table quizflow_privacy.secrets (
    name text primary key,
    value bytea not null
);
insert into quizflow_privacy.secrets (name, value)
values ('student-number', uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())),
       ('pseudonym', uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

revoke all on schema quizflow_privacy from public;
grant usage on schema quizflow_privacy to quizflow_names;
grant select, insert, delete on quizflow_privacy.subject_keys to quizflow_names;
grant select on quizflow_privacy.secrets to quizflow_names;
grant quizflow_names to quizflow_writer;
-- An erasure rewrites the key table (VACUUM FULL) so that a destroyed key does not linger in a
-- dead row: the names role may do that itself where the server knows the MAINTAIN privilege
-- (PostgreSQL 17 and later); on older servers the owner does it (`quizflow privacy erase`).
do $$
begin
    if current_setting('server_version_num')::int >= 170000 then
        execute 'grant maintain on quizflow_privacy.subject_keys to quizflow_names';
    end if;
end
$$;
grant quizflow_names to current_user;
