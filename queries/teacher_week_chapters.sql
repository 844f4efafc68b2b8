-- teacher_week_chapters: who passed which chapter, and who is stuck on one, in one ISO week.
-- Every enrolled student against every chapter of the courses the class works on. A student
-- is "stuck" on a chapter by the rule of wheel_spinning (never passed it, at least
-- `min_restarts` restarts and `min_answers` answers), counted up to the week's end, when they
-- also worked on it that week. Only events before the week's end count, so a report for an
-- earlier week shows what was known then.
-- param class_id: text, required. The class (see teacher_classes).
-- param week: text, required. The ISO week, e.g. 2026-W48 (Monday to Sunday, school time).
-- param min_restarts: integer = 5. Restarts without passing that make a student stuck.
-- param min_answers: integer = 10. Answers a student must have given to count as stuck.
-- row: one student and chapter (key: student_id, course_id, chapter_id): answers and mistakes
-- that week and in all, when they first passed it, and status: 'passed this week', 'passed
-- before', 'stuck', 'working' (started, not passed) or 'not started'.
with params as (
    select
        cast($class_id as varchar) as class_id,
        cast(strptime(cast($week as varchar) || '-1', '%G-W%V-%u') as date) as week_start,
        cast($min_restarts as integer) as min_restarts,
        cast($min_answers as integer) as min_answers
),

-- The school's clock: its week runs Monday 00:00 to Monday 00:00 there (168 hours, or 167 or
-- 169 across a change to or from summer time); instants compare as instants, so the session
-- time zone of whoever runs the query does not move it.
clock as (
    select coalesce(any_value(roster.school_time_zone), 'Europe/Amsterdam') as time_zone
    from roster, params
    where roster.class_id = params.class_id
),

week as (
    select
        params.class_id,
        params.min_restarts,
        params.min_answers,
        params.week_start,
        timezone(clock.time_zone, cast(params.week_start as timestamp)) as starts,
        timezone(clock.time_zone, cast(params.week_start + 7 as timestamp)) as ends
    from params, clock
),

students as (
    select roster.student_id, any_value(roster.student_name) as student_name
    from roster, week
    where roster.class_id = week.class_id
    group by roster.student_id
),

class_answers as (
    select
        answers.*,
        answers.occurred_at >= week.starts as in_week
    from answers, week
    where answers.student_id in (select student_id from students)
      and answers.occurred_at < week.ends
),

class_passes as (
    select
        attempts.student_id,
        attempts.course_id,
        attempts.chapter_id,
        min(attempts.passed_at) as first_passed_at
    from attempts, week
    where attempts.student_id in (select student_id from students)
      and attempts.passed_at < week.ends
    group by attempts.student_id, attempts.course_id, attempts.chapter_id
),

known_chapters as (
    select course_id, chapter_id, chapter_title, chapter_number
    from questions
    where course_id in (select course_id from class_answers)
),

-- Chapters answered but missing from the published course (e.g. imported history) count too.
chapters as (
    select
        course_id,
        chapter_id,
        any_value(chapter_title) as chapter_title,
        min(chapter_number) as chapter_number
    from (
        select * from known_chapters
        union all
        select distinct course_id, chapter_id, null as chapter_title, null as chapter_number
        from class_answers
    ) as chapter_rows
    group by course_id, chapter_id
),

per_student_chapter as (
    select
        student_id,
        course_id,
        chapter_id,
        count(*) filter (where in_week) as answers_this_week,
        count(*) filter (where in_week and not correct) as mistakes_this_week,
        count(*) as answers_so_far,
        count(*) filter (where not correct) as mistakes_so_far
    from class_answers
    group by student_id, course_id, chapter_id
),

grid as (
    select
        s.student_id,
        s.student_name,
        c.course_id,
        c.chapter_id,
        coalesce(c.chapter_title, c.chapter_id) as chapter_title,
        c.chapter_number,
        cast(coalesce(p.answers_this_week, 0) as bigint) as answers_this_week,
        cast(coalesce(p.mistakes_this_week, 0) as bigint) as mistakes_this_week,
        cast(coalesce(p.answers_so_far, 0) as bigint) as answers_so_far,
        cast(coalesce(p.mistakes_so_far, 0) as bigint) as restarts_so_far,
        x.first_passed_at
    from students as s
    cross join chapters as c
    left join per_student_chapter as p using (student_id, course_id, chapter_id)
    left join class_passes as x using (student_id, course_id, chapter_id)
),

final as (
    select
        grid.*,
        case
            when first_passed_at >= week.starts then 'passed this week'
            when first_passed_at is not null then 'passed before'
            when answers_this_week > 0
                 and restarts_so_far >= week.min_restarts
                 and answers_so_far >= week.min_answers then 'stuck'
            when answers_so_far > 0 then 'working'
            else 'not started'
        end as status
    from grid, week
)

select * from final
order by student_name, student_id, course_id, chapter_number nulls last, chapter_id
