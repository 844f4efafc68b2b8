-- An answer the quiz cannot read as what its field expects (``abc`` for a number, ``3/8`` where
-- a decimal is asked) is refused and costs the student nothing, yet the refusal is kept: how
-- often students stumble on notation is a question for the analytics (docs/events.md).
insert into quizflow.event_types (type) values ('chapter-quiz/UnreadableAnswerRefused');
