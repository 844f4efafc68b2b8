-- item_answers: every answer with what item statistics need, oldest first.
-- The input of `quizflow hard-questions` and of notebooks that fit difficulty models: who
-- answered which question, right or wrong, with the normalised answer and response time.
-- param course_id: text = null. Only this course (every course when null).
-- param chapter_id: text = null. Only this chapter (every chapter when null).
-- row: one answer (key: event_id), in time order; `answer` is null where no text was recorded;
-- `answer_display` is the answer as a person reads it (field labels, not field names).
with params as (
    select
        cast($course_id as varchar) as course_id,
        cast($chapter_id as varchar) as chapter_id
),

scoped_answers as (
    select answers.*
    from answers, params
    where (params.course_id is null or answers.course_id = params.course_id)
      and (params.chapter_id is null or answers.chapter_id = params.chapter_id)
),

final as (
    select
        event_id,
        position,
        occurred_at,
        course_id,
        chapter_id,
        student_id,
        question_id,
        correct,
        -- An import without an answer column stores empty inputs: no text, not a "" answer.
        case when answer = '' then null else answer end as answer,
        response_ms,
        question_version,
        answer_display
    from scoped_answers
)

select * from final order by occurred_at, position
