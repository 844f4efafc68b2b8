-- student_timeline: a student's quiz history in time order: attempts started, answers, passes.
-- When did this student try to answer questions, which ones, and how did it go? Each answer
-- carries the normalised answer, the response time and the answer as a person reads it
-- (`answer_display`: field labels, not field names).
-- param student_id: text, required. The student.
-- param course_id: text = null. Only this course (every course when null).
-- row: one moment of the student's history, oldest first: an attempt at a chapter quiz
-- started, a question answered (right or wrong), or a chapter quiz passed. `step` numbers them.
with params as (
    select
        cast($student_id as varchar) as student_id,
        cast($course_id as varchar) as course_id
),

student_answers as (
    select answers.*
    from answers, params
    where answers.student_id = params.student_id
      and (params.course_id is null or answers.course_id = params.course_id)
),

student_attempts as (
    select attempts.*
    from attempts, params
    where attempts.student_id = params.student_id
      and (params.course_id is null or attempts.course_id = params.course_id)
),

attempt_starts as (
    select
        coalesce(started_at, first_event_at) as occurred_at,
        'attempt started' as event,
        0 as event_order,
        course_id,
        chapter_id,
        attempt,
        null::varchar as question_id,
        null::boolean as correct,
        null::varchar as answer,
        null::varchar as answer_display,
        null::bigint as response_ms,
        null::bigint as position
    from student_attempts
),

answered as (
    select
        occurred_at,
        case when correct then 'answered correctly' else 'answered incorrectly' end as event,
        1 as event_order,
        course_id,
        chapter_id,
        attempt,
        question_id,
        correct,
        answer,
        answer_display,
        response_ms,
        position
    from student_answers
),

passes as (
    select
        passed_at as occurred_at,
        'quiz passed' as event,
        2 as event_order,
        course_id,
        chapter_id,
        attempt,
        null::varchar as question_id,
        null::boolean as correct,
        null::varchar as answer,
        null::varchar as answer_display,
        null::bigint as response_ms,
        null::bigint as position
    from student_attempts
    where passed_at is not null
),

history as (
    select * from attempt_starts
    union all
    select * from answered
    union all
    select * from passes
),

final as (
    select
        -- Within one instant a start comes before its answers and a pass after them.
        row_number() over (
            order by occurred_at, event_order, position, course_id, chapter_id, attempt
        ) as step,
        occurred_at,
        event,
        course_id,
        chapter_id,
        attempt,
        question_id,
        correct,
        answer,
        response_ms,
        answer_display
    from history
)

select * from final order by step
