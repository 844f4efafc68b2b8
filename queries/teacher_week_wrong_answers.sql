-- teacher_week_wrong_answers: the wrong answers a class gave to each question in one ISO week.
-- Which wrong answers did students of this class type, to which question, how often and who?
-- Answers are compared normalised (answers.answer: "0.50" and " .5" are one answer); the
-- course's misconception for a wrong answer is given where the course names one.
-- param class_id: text, required. The class (see teacher_classes).
-- param week: text, required. The ISO week, e.g. 2026-W48 (Monday to Sunday, school time).
-- row: one question and wrong answer (key: course_id, question_id, answer): times given, by
-- how many students and whom (names, sorted), its share of the question's wrong answers, the
-- misconception (or null), `rank` within the question (1: the most common), and
-- `answer_display`: the answer as a person reads it (field labels, not field names).
with params as (
    select
        cast($class_id as varchar) as class_id,
        cast(strptime(cast($week as varchar) || '-1', '%G-W%V-%u') as date) as week_start
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

wrong_answers as (
    select answers.*, coalesce(s.student_name, s.student_id) as student_name
    from answers
    inner join students as s using (student_id)
    cross join week
    where not answers.correct
      and answers.occurred_at >= week.starts
      and answers.occurred_at < week.ends
),

misconceptions as (
    select
        course_id,
        question_id,
        answer,
        string_agg(distinct misconception, '; ') as misconception
    from known_wrong_answers
    where (course_id, question_id) in (select (course_id, question_id) from wrong_answers)
    group by all
),

per_answer as (
    select
        course_id,
        question_id,
        coalesce(answer, '') as answer,
        count(*) as times,
        count(distinct student_id) as students,
        list_sort(list(distinct student_name)) as student_names,
        -- One raw example, to show what was typed before normalising.
        arg_min(inputs, position) as example_inputs,
        any_value(answer_display) as answer_display
    from wrong_answers
    group by course_id, question_id, coalesce(answer, '')
),

final as (
    select
        p.course_id,
        p.question_id,
        p.answer,
        p.times,
        p.times / sum(p.times) over (partition by p.course_id, p.question_id) as share,
        p.students,
        p.student_names,
        cast(p.example_inputs as varchar) as example_inputs,
        m.misconception,
        row_number() over (
            partition by p.course_id, p.question_id
            order by p.times desc, p.students desc, p.answer asc
        ) as rank,
        p.answer_display
    from per_answer as p
    left join misconceptions as m using (course_id, question_id, answer)
)

select * from final order by course_id, question_id, rank
