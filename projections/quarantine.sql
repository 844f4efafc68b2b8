-- quarantine: one row per raw event that does not match its schema or has an unknown type,
-- with the reason and the raw event, for people to inspect. No other projection reads these
-- events (they read `valid_events`); the pipeline carries on with the rest, and the quarantine
-- check fails while any row here is unreviewed (see table quarantine_reviews).
-- Key: event_id.
-- partition: event_id
-- types: *
-- input: events
-- The rules follow docs/events.md; ids are checked for presence only, since they are text here.
with raw_events as (
    select * from projection_input
),

quiz_types as (
    select unnest([
        'chapter-quiz/QuizStarted',
        'chapter-quiz/QuestionAssigned',
        'chapter-quiz/QuestionAnsweredCorrectly',
        'chapter-quiz/QuestionAnsweredIncorrectly',
        'chapter-quiz/QuizStartedOver',
        'chapter-quiz/QuizPassed',
        'chapter-quiz/UnreadableAnswerRefused'
    ]) as type
),

known_types as (
    select type from quiz_types
    union all
    select unnest([
        'course/CoursePublished',
        'roster/SchoolRegistered',
        'roster/SchoolTimeZoneChanged',
        'roster/ClassRegistered',
        'roster/StudentEnrolled',
        'roster/StudentMoved',
        'roster/StudentRenamed',
        'accounts/AccountCreated',
        'accounts/RoleGranted',
        'accounts/RoleRevoked',
        'accounts/AccountDeactivated',
        'accounts/AccountReactivated',
        'accounts/EmailAddressChanged',
        'accounts/PersonErased'
    ])
),

judged as (
    select
        e.*,
        case
            when json_type(e.data) <> 'OBJECT'
                then 'data is not a JSON object'
            when e.type not in (select type from known_types)
                then 'unknown event type ' || e.type
            when e.type in (select type from quiz_types)
                 and (e.student_id is null or e.course_id is null or e.chapter_id is null)
                then 'missing student_id, course_id or chapter_id'
            when e.type in (select type from quiz_types)
                 and try_cast(e.attempt as integer) is null
                then 'attempt is missing or not an integer'
            when e.type in ('chapter-quiz/QuestionAssigned',
                            'chapter-quiz/QuestionAnsweredCorrectly',
                            'chapter-quiz/QuestionAnsweredIncorrectly',
                            'chapter-quiz/UnreadableAnswerRefused')
                 and e.question_id is null
                then 'missing question_id'
            when e.type in ('chapter-quiz/QuestionAnsweredCorrectly',
                            'chapter-quiz/QuestionAnsweredIncorrectly',
                            'chapter-quiz/UnreadableAnswerRefused')
                 and coalesce(json_type(e.data, '$.inputs'), '') <> 'OBJECT'
                then 'inputs is missing or not an object'
            when e.type = 'chapter-quiz/QuestionAnsweredCorrectly'
                 and try_cast(e.data ->> '$.streak' as integer) is null
                then 'streak is missing or not an integer'
            when e.type in ('chapter-quiz/QuestionAssigned',
                            'chapter-quiz/QuestionAnsweredCorrectly',
                            'chapter-quiz/QuestionAnsweredIncorrectly')
                 and json_type(e.data, '$.question_version') is not null
                 and (json_type(e.data, '$.question_version') <> 'UBIGINT'
                      or cast(e.data ->> '$.question_version' as ubigint) < 1)
                then 'question_version is not a whole number >= 1'
            when e.type = 'course/CoursePublished'
                 and (e.course_id is null
                      or coalesce(json_type(e.data, '$.chapters'), '') <> 'ARRAY')
                then 'missing course_id, or chapters is not a list'
            when e.type in ('roster/SchoolRegistered', 'roster/SchoolTimeZoneChanged',
                            'roster/ClassRegistered',
                            'roster/StudentEnrolled', 'roster/StudentMoved',
                            'roster/StudentRenamed')
                 and e.data ->> '$.school_id' is null
                then 'missing school_id'
            when e.type = 'roster/SchoolTimeZoneChanged'
                 and coalesce(json_type(e.data, '$.time_zone'), '') <> 'VARCHAR'
                then 'time_zone is missing or not text'
            when e.type in ('roster/ClassRegistered', 'roster/StudentEnrolled',
                            'roster/StudentMoved')
                 and e.data ->> '$.class_id' is null
                then 'missing class_id'
            when e.type in ('roster/StudentEnrolled', 'roster/StudentMoved',
                            'roster/StudentRenamed')
                 and e.student_id is null
                then 'missing student_id'
            when e.type like 'accounts/%' and e.data ->> '$.account_id' is null
                then 'missing account_id'
        end as reason
    from raw_events as e
),

final as (
    select event_id, position, tx, stream_id, version, type, reason, data, metadata,
           occurred_at, recorded_at
      from judged
     where reason is not null
)

select * from final
