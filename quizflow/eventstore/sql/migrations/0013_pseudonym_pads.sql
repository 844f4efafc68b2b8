-- Pseudonyms for analytics: the pipeline makes a student's pseudonym (HMAC-SHA-256 of the id
-- under the 'pseudonym' secret, 64 bits in hex) as it ingests, so the warehouse and the
-- analysts' snapshot know students only by pseudonyms whose key is in neither. The pipeline's
-- reader role may read the key's pads (it reads every real id anyway); it may not read names.
-- The pads are HMAC's inner and outer keys (the secret, zero-padded to SHA-256's 64-byte
-- block, XOR 0x36 and 0x5c), made once so that DuckDB computes a pseudonym with two sha256.
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
