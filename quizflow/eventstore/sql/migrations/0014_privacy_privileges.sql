-- Only the group quizflow_names may read or write keys: the writer (the web app, which shows
-- names to teachers and seals them when accounts are made) is a member; the pipeline's reader
-- role is not, so analytics never see a name. The reader may read the pseudonym pads only (it
-- reads every real id anyway, and needs the pads to pseudonymise them as it ingests).
revoke all on schema quizflow_privacy from public;
grant usage on schema quizflow_privacy to quizflow_names;
grant usage on schema quizflow_privacy to quizflow_reader;
grant select, insert, delete on quizflow_privacy.subject_keys to quizflow_names;
grant select on quizflow_privacy.secrets to quizflow_names;
revoke all on quizflow_privacy.pseudonym_pads from public;
grant select on quizflow_privacy.pseudonym_pads to quizflow_reader, quizflow_names;
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
