-- teacher_week_students: what each student of a class did in one ISO week.
-- Per enrolled student: answers, right and wrong, chapter quizzes passed, time on task and the
-- days they worked, Monday to Sunday on the school's calendar (the days of student_days, in
-- the school's time zone). Students who did nothing that week are listed too, with zeros: a
-- teacher wants to see them.
-- param class_id: text, required. The class (see teacher_classes).
-- param week: text, required. The ISO week, e.g. 2026-W48.
-- row: one enrolled student (key: student_id), by name: the week's answers, correct_answers,
-- mistakes (each one restarts the quiz), share_correct (null without answers), quizzes_passed,
-- time_on_task_ms, active_days, and last_active_on (their last active day up to the week's end).
with params as (
    select
        cast($class_id as varchar) as class_id,
        cast(strptime(cast($week as varchar) || '-1', '%G-W%V-%u') as date) as week_start
),

week as (
    select class_id, week_start, week_start + 7 as week_end from params
),

students as (
    select roster.student_id, any_value(roster.student_name) as student_name
    from roster, week
    where roster.class_id = week.class_id
    group by roster.student_id
),

days as (
    select student_days.*
    from student_days
    where student_days.student_id in (select student_id from students)
),

this_week as (
    select
        days.student_id,
        sum(days.answers) as answers,
        sum(days.correct_answers) as correct_answers,
        sum(days.mistakes) as mistakes,
        sum(days.quizzes_passed) as quizzes_passed,
        sum(days.time_on_task_ms) as time_on_task_ms,
        count(*) filter (where days.answers > 0) as active_days
    from days, week
    where days.day >= week.week_start and days.day < week.week_end
    group by days.student_id
),

so_far as (
    select days.student_id, max(days.day) as last_active_on
    from days, week
    where days.day < week.week_end
    group by days.student_id
),

final as (
    select
        s.student_id,
        coalesce(s.student_name, s.student_id) as student_name,
        cast(coalesce(w.answers, 0) as bigint) as answers,
        cast(coalesce(w.correct_answers, 0) as bigint) as correct_answers,
        cast(coalesce(w.mistakes, 0) as bigint) as mistakes,
        w.correct_answers / nullif(w.answers, 0) as share_correct,
        cast(coalesce(w.quizzes_passed, 0) as bigint) as quizzes_passed,
        cast(coalesce(w.time_on_task_ms, 0) as bigint) as time_on_task_ms,
        cast(coalesce(w.active_days, 0) as bigint) as active_days,
        f.last_active_on
    from students as s
    left join this_week as w using (student_id)
    left join so_far as f using (student_id)
)

select * from final order by student_name, student_id
