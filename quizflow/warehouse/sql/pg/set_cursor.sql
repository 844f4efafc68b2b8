-- Hands the ingest cursor to the read that follows on the same session.
-- Why not bind it in read_events.sql: the ADBC driver streams a query through COPY only when it
-- has no parameters; with parameters it buffers the whole result in memory. So the values go
-- through placeholders here, into session settings the read then uses.
select set_config('quizflow.after_tx', $1, false) as after_tx,
       set_config('quizflow.after_position', $2, false) as after_position
