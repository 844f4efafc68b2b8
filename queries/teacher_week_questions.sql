-- teacher_week_questions: the questions a class found hardest in one ISO week.
-- Per question the class answered that week: how often, how often wrong, by how many students,
-- and how long they took. Hardest first: the largest share of wrong answers, then the most
-- wrong answers. Questions answered fewer than `min_answers` times, or by fewer than
-- `min_students` students, are left out (one student's slips are not the class's pattern).
-- param class_id: text, required. The class (see teacher_classes).
-- param week: text, required. The ISO week, e.g. 2026-W48 (Monday to Sunday, school time).
-- param min_answers: integer = 3. Leave out questions answered fewer times that week.
-- param min_students: integer = 2. Leave out questions fewer students answered that week.
-- row: one question (key: course_id, question_id): its chapter and text, answers,
-- wrong_answers, share_wrong, students who answered it and students_wrong (who got it wrong
-- at least once), median_response_ms; `rank` 1 is the hardest.
with params as (
    select
        cast($class_id as varchar) as class_id,
        cast(strptime(cast($week as varchar) || '-1', '%G-W%V-%u') as date) as week_start,
        cast($min_answers as integer) as min_answers,
        cast($min_students as integer) as min_students
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
        params.min_answers,
        params.min_students,
        timezone(clock.time_zone, cast(params.week_start as timestamp)) as starts,
        timezone(clock.time_zone, cast(params.week_start + 7 as timestamp)) as ends
    from params, clock
),

students as (
    select distinct roster.student_id
    from roster, week
    where roster.class_id = week.class_id
),

week_answers as (
    select answers.*
    from answers, week
    where answers.student_id in (select student_id from students)
      and answers.occurred_at >= week.starts
      and answers.occurred_at < week.ends
),

questions as (
    select course_id, question_id, text, chapter_title from questions
),

per_question as (
    select
        course_id,
        chapter_id,
        question_id,
        count(*) as answers,
        count(*) filter (where not correct) as wrong_answers,
        count(distinct student_id) as students,
        count(distinct student_id) filter (where not correct) as students_wrong,
        median(response_ms) as median_response_ms
    from week_answers
    group by course_id, chapter_id, question_id
),

final as (
    select
        row_number() over (
            order by p.wrong_answers / p.answers desc, p.wrong_answers desc,
                     p.course_id asc, p.question_id asc
        ) as rank,
        p.course_id,
        p.chapter_id,
        q.chapter_title,
        p.question_id,
        q.text,
        p.answers,
        p.wrong_answers,
        p.wrong_answers / p.answers as share_wrong,
        p.students,
        p.students_wrong,
        p.median_response_ms
    from per_question as p
    cross join week
    left join questions as q using (course_id, question_id)
    where p.answers >= week.min_answers and p.students >= week.min_students
)

select * from final order by rank
