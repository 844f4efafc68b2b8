-- student_days: one row per student and day with quiz activity, the day on the calendar of the
-- student's school (its time zone, DST included): answers, mistakes, quizzes passed, and time on
-- task. A Dutch pupil answering at 00:30 on Monday counts on Monday, not on Sunday in UTC.
-- Key: (student_id, day). Time on task adds the gaps between a student's consecutive quiz
-- events on that day, each capped at 5 minutes: a longer pause is time away, not work.
-- The school is that of the student's latest enrolment or move (by position); its clock is its
-- latest roster/SchoolTimeZoneChanged, else Europe/Amsterdam (as is a student in no roster, and
-- a zone DuckDB does not know). Days follow the school's current clock, also for the past: an
-- enrolment recomputes that student's days, a changed time zone rebuilds the table.
-- partition: student_id
-- types: chapter-quiz/QuizStarted, chapter-quiz/QuestionAssigned,
-- types: chapter-quiz/QuestionAnsweredCorrectly, chapter-quiz/QuestionAnsweredIncorrectly,
-- types: chapter-quiz/QuizStartedOver, chapter-quiz/QuizPassed
-- context: roster/StudentEnrolled, roster/StudentMoved, roster/SchoolTimeZoneChanged
-- Read from every valid event, not projection_input (which holds the quiz events only): roster
-- events are few beside the answers.
with student_schools as (
    select student_id, data ->> '$.school_id' as school_id
    from valid_events
    where type in ('roster/StudentEnrolled', 'roster/StudentMoved')
      and student_id in (select student_id from projection_input)
    qualify row_number() over (partition by student_id order by position desc) = 1
),

school_clocks as (
    select data ->> '$.school_id' as school_id, data ->> '$.time_zone' as time_zone
    from valid_events
    where type = 'roster/SchoolTimeZoneChanged'
    qualify row_number() over (partition by school_id order by position desc) = 1
),

student_clocks as (
    select
        s.student_id,
        coalesce(z.name, 'Europe/Amsterdam') as time_zone
    from student_schools as s
    left join school_clocks as c on s.school_id = c.school_id
    left join pg_timezone_names() as z on c.time_zone = z.name
),

quiz_events as (
    select
        e.student_id,
        e.course_id,
        e.chapter_id,
        e.type,
        e.occurred_at,
        coalesce(c.time_zone, 'Europe/Amsterdam') as time_zone,
        cast(timezone(coalesce(c.time_zone, 'Europe/Amsterdam'), e.occurred_at) as date) as day,
        e.position
    from projection_input as e
    left join student_clocks as c on e.student_id = c.student_id
),

with_gaps as (
    select
        *,
        epoch_ms(occurred_at)
            - epoch_ms(lag(occurred_at) over (partition by student_id, day
                                              order by occurred_at, position)) as gap_ms
    from quiz_events
),

final as (
    select
        student_id,
        day,
        any_value(time_zone) as time_zone,
        count(*) filter (where type in ('chapter-quiz/QuestionAnsweredCorrectly',
                                        'chapter-quiz/QuestionAnsweredIncorrectly')) as answers,
        count(*) filter (where type = 'chapter-quiz/QuestionAnsweredCorrectly') as correct_answers,
        count(*) filter (where type = 'chapter-quiz/QuestionAnsweredIncorrectly') as mistakes,
        count(*) filter (where type = 'chapter-quiz/QuizPassed') as quizzes_passed,
        count(distinct course_id || '/' || chapter_id) as chapters_practised,
        -- least() skips nulls, so the day's first event (no gap) must count as 0 explicitly.
        cast(coalesce(sum(least(coalesce(gap_ms, 0), 300000)), 0) as bigint) as time_on_task_ms,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at
    from with_gaps
    group by student_id, day
)

select * from final
