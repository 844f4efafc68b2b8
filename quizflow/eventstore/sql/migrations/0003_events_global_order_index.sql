-- Serves the catch-up read in global order: where (tx, position) > cursor order by tx, position.
create index events_tx_position_idx on quizflow.events (tx, position);
