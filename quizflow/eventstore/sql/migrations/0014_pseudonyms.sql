-- Pseudonyms for analytics: the pipeline's reader role may compute a student's pseudonym
-- (HMAC-SHA-256 of the id under the 'pseudonym' secret, 64 bits in hex) but never read the
-- key, so the warehouse and the analysts' snapshot hold pseudonyms whose key is not there.
-- The pads are HMAC's inner and outer keys (the secret, zero-padded to SHA-256's 64-byte
-- block, XOR 0x36 and 0x5c), made once so that each pseudonym costs two sha256 calls.
create table quizflow_privacy.pseudonym_pads (
    id boolean primary key default true check (id),
    inner_pad bytea not null,
    outer_pad bytea not null
);

do $$
declare
    secret bytea := (select value from quizflow_privacy.secrets where name = 'pseudonym');
    padded bytea;
    inner_pad bytea;
    outer_pad bytea;
begin
    padded := secret || decode(repeat('00', 64 - octet_length(secret)), 'hex');
    inner_pad := padded;
    outer_pad := padded;
    for n in 0..63 loop
        inner_pad := set_byte(inner_pad, n, get_byte(padded, n) # 54);
        outer_pad := set_byte(outer_pad, n, get_byte(padded, n) # 92);
    end loop;
    insert into quizflow_privacy.pseudonym_pads (inner_pad, outer_pad)
    values (inner_pad, outer_pad);
end
$$;

create function quizflow_privacy.pseudonym(person_id text) returns text
language sql stable strict security definer
set search_path = pg_catalog
as $$
    select 'p-' || left(encode(sha256(p.outer_pad || sha256(p.inner_pad || convert_to(person_id, 'UTF8'))),
                               'hex'), 16)
      from quizflow_privacy.pseudonym_pads as p
$$;

revoke all on function quizflow_privacy.pseudonym(text) from public;
grant usage on schema quizflow_privacy to quizflow_reader;
grant execute on function quizflow_privacy.pseudonym(text) to quizflow_reader, quizflow_names;
