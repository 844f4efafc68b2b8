-- The live read model folds courses, the roster and accounts when the web app starts, and reads
-- a student's quiz streams only when that student is first shown (docs/read-model.md). This
-- partial index holds the few events that are not a quiz's, in the global order, so the start
-- reads them without walking the quiz events, which are nearly the whole log. Appends of quiz
-- events do not touch it. The predicate is spelled exactly as the query's
-- (queries/read_all_but_quiz_events.sql), so the planner can use it.
create index events_but_quiz_events_idx on quizflow.events (tx, position)
    where type not like 'chapter-quiz/%';
