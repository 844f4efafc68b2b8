-- A student's pseudonym: 'p-' and the first 64 bits of HMAC-SHA-256(key, id), the key's pads
-- in this session's variables (set by the ingest). Same as quizflow/privacy/pseudonyms.py.
create or replace temp macro qf_pseudonym(id) as
    'p-' || left(sha256(getvariable('qf_outer_pad')
                        || unhex(sha256(getvariable('qf_inner_pad') || encode(id)))), 16)
