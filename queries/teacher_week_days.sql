-- teacher_week_days: time on task per student and day of one ISO week, for a class.
-- When in the week did each student work, and for how long? Time on task is student_days'
-- (gaps between a student's quiz events, each capped at 5 minutes); days are the school's
-- calendar days (its time zone), Monday to Sunday.
-- param class_id: text, required. The class (see teacher_classes).
-- param week: text, required. The ISO week, e.g. 2026-W48.
-- row: one student and day on which they were active that week (key: student_id, day):
-- answers, mistakes, quizzes_passed, time_on_task_ms.
with params as (
    select
        cast($class_id as varchar) as class_id,
        cast(strptime(cast($week as varchar) || '-1', '%G-W%V-%u') as date) as week_start
),

students as (
    select roster.student_id, any_value(roster.student_name) as student_name
    from roster, params
    where roster.class_id = params.class_id
    group by roster.student_id
),

week_days as (
    select student_days.*
    from student_days, params
    where student_days.student_id in (select student_id from students)
      and student_days.day >= params.week_start
      and student_days.day < params.week_start + 7
),

final as (
    select
        d.student_id,
        coalesce(s.student_name, s.student_id) as student_name,
        d.day,
        isodow(d.day) as weekday,
        d.answers,
        d.mistakes,
        d.quizzes_passed,
        d.time_on_task_ms
    from week_days as d
    inner join students as s using (student_id)
)

select * from final order by day, student_name, student_id
