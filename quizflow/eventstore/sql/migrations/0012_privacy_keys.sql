-- Crypto-shredding: every person's personal text (names) in the log is sealed with a key of
-- their own, kept here, outside the immutable log. Destroying a key erases that person's
-- names from every copy of the log at once; answers and timings stay.
-- A schema of its own, so that only the names role (0014_privacy_privileges.sql) reaches it.
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
