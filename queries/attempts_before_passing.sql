-- attempts_before_passing: what it took each student to pass each chapter quiz.
-- How many attempts, restarts (a wrong answer resets the streak), answers and mistakes before a
-- student passed a chapter; for chapters not passed yet, everything so far.
-- param course_id: text = null. Only this course (every course when null).
-- param chapter_id: text = null. Only this chapter (every chapter when null).
-- param student_id: text = null. Only this student (everyone when null).
-- row: one student and chapter: passed or not, and the attempts, restarts, answers and mistakes
-- up to and including the first passed attempt (all of them when not passed), with when the
-- student started and first passed.
with params as (
    select
        cast($course_id as varchar) as course_id,
        cast($chapter_id as varchar) as chapter_id,
        cast($student_id as varchar) as student_id
),

scoped_attempts as (
    select attempts.*
    from attempts, params
    where (params.course_id is null or attempts.course_id = params.course_id)
      and (params.chapter_id is null or attempts.chapter_id = params.chapter_id)
      and (params.student_id is null or attempts.student_id = params.student_id)
),

first_passes as (
    select
        *,
        -- Daft reads this file too, and needs the else.
        min(case when passed then attempt else null end) over (  -- noqa: ST01
            partition by student_id, course_id, chapter_id
        ) as first_passed_attempt
    from scoped_attempts
),

until_passed as (
    select *
    from first_passes
    where first_passed_attempt is null or attempt <= first_passed_attempt
),

final as (
    select
        student_id,
        course_id,
        chapter_id,
        bool_or(passed) as passed,
        count(*) as attempts,
        cast(sum(restarts) as bigint) as restarts,
        cast(sum(questions_answered) as bigint) as answers,
        cast(sum(wrong_answers) as bigint) as mistakes,
        min(coalesce(started_at, first_event_at)) as started_at,
        min(passed_at) as passed_at
    from until_passed
    group by student_id, course_id, chapter_id
)

select * from final order by student_id, course_id, chapter_id
