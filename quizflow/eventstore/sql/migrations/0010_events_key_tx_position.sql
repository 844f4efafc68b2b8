-- The key of the log becomes (tx, position), the global order, instead of position alone.
-- Readers already needed an index on (tx, position); a second unique index on position cost
-- every append one more index insert (and its WAL) for no query. position stays unique without
-- it: it is an identity column GENERATED ALWAYS, filled by the sequence alone (only the owner
-- could override it, and appends run as the writer role through the append functions).
create unique index events_tx_position_key on quizflow.events (tx, position);
alter table quizflow.events
    drop constraint events_pkey,
    add constraint events_pkey primary key using index events_tx_position_key;
drop index quizflow.events_tx_position_idx;
