-- attempts: one row per run at a chapter quiz (QuizStarted's attempt 1, 2, ...): when it started,
-- the questions answered, right and wrong, restarts after a mistake, the streaks, the outcome,
-- and the time practised (duration_ms is wall-clock time, across days if the attempt spans them).
-- Key: (student_id, course_id, chapter_id, attempt); one stream holds all of a student's
-- attempts at one chapter.
-- partition: stream_id
-- types: chapter-quiz/QuizStarted, chapter-quiz/QuestionAssigned,
-- types: chapter-quiz/QuestionAnsweredCorrectly, chapter-quiz/QuestionAnsweredIncorrectly,
-- types: chapter-quiz/QuizStartedOver, chapter-quiz/QuizPassed
with quiz_events as (
    select
        *,
        cast(attempt as integer) as attempt_number,
        -- The streak after each event that changes it: the answer's own streak, 0 after a
        -- mistake or a restart; other events leave it as it was.
        case type
            when 'chapter-quiz/QuestionAnsweredCorrectly'
                then cast(data ->> '$.streak' as integer)
            when 'chapter-quiz/QuestionAnsweredIncorrectly' then 0
            when 'chapter-quiz/QuizStartedOver' then 0
        end as streak_after,
        -- Time practised, by student_days' rule: the gaps between the attempt's consecutive
        -- events, each capped at 5 minutes (a longer pause is time away, not work).
        epoch_ms(occurred_at)
            - epoch_ms(lag(occurred_at) over (partition by stream_id, attempt
                                              order by occurred_at, position)) as gap_ms
    from projection_input
),

per_attempt as (
    select
        student_id,
        course_id,
        chapter_id,
        attempt_number as attempt,
        any_value(stream_id) as stream_id,
        min(occurred_at) filter (where type = 'chapter-quiz/QuizStarted') as started_at,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at,
        count(*) filter (where type = 'chapter-quiz/QuestionAssigned') as questions_assigned,
        count(*) filter (where type in ('chapter-quiz/QuestionAnsweredCorrectly',
                                        'chapter-quiz/QuestionAnsweredIncorrectly'))
            as questions_answered,
        count(*) filter (where type = 'chapter-quiz/QuestionAnsweredCorrectly') as correct_answers,
        count(*) filter (where type = 'chapter-quiz/QuestionAnsweredIncorrectly') as wrong_answers,
        count(*) filter (where type = 'chapter-quiz/QuizStartedOver') as restarts,
        coalesce(max(streak_after), 0) as best_streak,
        coalesce(arg_max(streak_after, version) filter (where streak_after is not null), 0)
            as streak,
        min(occurred_at) filter (where type = 'chapter-quiz/QuizPassed') as passed_at,
        -- least() skips nulls, so the attempt's first event (no gap) must count as 0 explicitly.
        cast(coalesce(sum(least(coalesce(gap_ms, 0), 300000)), 0) as bigint) as practice_ms
    from quiz_events
    group by student_id, course_id, chapter_id, attempt_number
),

final as (
    select
        *,
        passed_at is not null as passed,
        case when passed_at is not null then 'passed' else 'in progress' end as outcome,
        epoch_ms(coalesce(passed_at, last_event_at)) - epoch_ms(first_event_at) as duration_ms
    from per_attempt
)

select * from final
