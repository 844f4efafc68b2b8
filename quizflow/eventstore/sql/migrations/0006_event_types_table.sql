-- The vocabulary of event types (docs/events.md; quizflow.quiz.EVENT_TYPES, and a contract test
-- appends each): the append functions refuse any other type, so no reader meets an event it
-- cannot use. A later migration that adds a type inserts its row; the functions read the table
-- on every append, so a new type is accepted from that migration's commit on.
-- Why a table the functions look up, and not CHECK constraints on quizflow.events: a CHECK
-- constraint's expression is prepared again for every statement, and each append is one; the
-- lookup is a probe of a one-page table, and costs an append much less (bench/README.md,
-- "Measurements behind the design"). Nor a foreign key: its trigger runs a query and locks the
-- referenced row (FOR KEY SHARE) on every append, which concurrent writers of the same few types
-- share through multixacts. And a table is extended with an INSERT, without rewriting a
-- constraint that lists every type.
create table quizflow.event_types (
    type text primary key check (type <> '')
);

insert into quizflow.event_types (type) values
    ('course/CoursePublished'),
    ('roster/SchoolRegistered'),
    ('roster/ClassRegistered'),
    ('roster/StudentEnrolled'),
    ('roster/StudentMoved'),
    ('roster/StudentRenamed'),
    ('accounts/AccountCreated'),
    ('accounts/RoleGranted'),
    ('accounts/RoleRevoked'),
    ('accounts/AccountDeactivated'),
    ('accounts/AccountReactivated'),
    ('accounts/PersonErased'),
    ('chapter-quiz/QuizStarted'),
    ('chapter-quiz/QuestionAssigned'),
    ('chapter-quiz/QuestionAnsweredCorrectly'),
    ('chapter-quiz/QuestionAnsweredIncorrectly'),
    ('chapter-quiz/QuizStartedOver'),
    ('chapter-quiz/QuizPassed'),
    -- Teachers get their weekly report by e-mail: an account's address is an event of its own,
    -- sealed like a name (erasing the person shreds it with the rest of their personal text).
    ('accounts/EmailAddressChanged'),
    -- An answer the quiz cannot read as what its field expects (``abc`` for a number, ``3/8``
    -- where a decimal is asked) is refused and costs the student nothing, yet the refusal is
    -- kept: how often students stumble on notation is a question for the analytics.
    ('chapter-quiz/UnreadableAnswerRefused'),
    -- A school shows its people times on its own clock; a school without a time zone of its own
    -- keeps the default, Europe/Amsterdam.
    ('roster/SchoolTimeZoneChanged');
