-- student_days: one row per student and calendar day (UTC) with quiz activity: answers,
-- mistakes, quizzes passed, and time on task.
-- Key: (student_id, day). Time on task adds the gaps between a student's consecutive quiz
-- events on that day, each capped at 5 minutes: a longer pause is time away, not work.
-- partition: student_id
-- types: chapter-quiz/QuizStarted, chapter-quiz/QuestionAssigned,
-- types: chapter-quiz/QuestionAnsweredCorrectly, chapter-quiz/QuestionAnsweredIncorrectly,
-- types: chapter-quiz/QuizStartedOver, chapter-quiz/QuizPassed
with quiz_events as (
    select
        student_id,
        course_id,
        chapter_id,
        type,
        occurred_at,
        cast(timezone('UTC', occurred_at) as date) as day,
        position
    from projection_input
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
