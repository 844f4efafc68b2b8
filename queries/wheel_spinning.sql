-- wheel_spinning: students who keep restarting a chapter quiz without ever passing it.
-- Who is stuck? "Wheel-spinning" (Beck & Gong 2013): practising without reaching mastery. A
-- student spins on a chapter when they never passed it, restarted at least `min_restarts` times
-- and gave at least `min_answers` answers; a teacher should step in.
-- param min_restarts: integer = 5. Restarts (streaks broken by a mistake) that count as stuck.
-- param min_answers: integer = 10. Answers given before a student can count as stuck.
-- param course_id: text = null. Only this course (every course when null).
-- param chapter_id: text = null. Only this chapter (every chapter when null).
-- row: one student stuck on one chapter, most restarts first: attempts, restarts, answers,
-- mistakes, the best streak reached, when they started and when they last tried.
with params as (
    select
        cast($min_restarts as integer) as min_restarts,
        cast($min_answers as integer) as min_answers,
        cast($course_id as varchar) as course_id,
        cast($chapter_id as varchar) as chapter_id
),

scoped_attempts as (
    select attempts.*
    from attempts, params
    where (params.course_id is null or attempts.course_id = params.course_id)
      and (params.chapter_id is null or attempts.chapter_id = params.chapter_id)
),

per_chapter as (
    select
        student_id,
        course_id,
        chapter_id,
        bool_or(passed) as ever_passed,
        count(*) as attempts,
        cast(sum(restarts) as bigint) as restarts,
        cast(sum(questions_answered) as bigint) as answers,
        cast(sum(wrong_answers) as bigint) as mistakes,
        max(best_streak) as best_streak,
        min(coalesce(started_at, first_event_at)) as started_at,
        max(last_event_at) as last_activity_at
    from scoped_attempts
    group by student_id, course_id, chapter_id
),

final as (
    select
        c.student_id,
        c.course_id,
        c.chapter_id,
        c.attempts,
        c.restarts,
        c.answers,
        c.mistakes,
        c.best_streak,
        c.started_at,
        c.last_activity_at
    from per_chapter as c, params
    where not c.ever_passed
      and c.restarts >= params.min_restarts
      and c.answers >= params.min_answers
)

select * from final order by restarts desc, student_id asc, course_id asc, chapter_id asc
