-- answers: one row per answer event; its columns are a published promise (docs/data-dictionary.md).
-- Key: event_id. `answer` is the inputs normalised to one comparable text by the quiz domain's
-- own rules (qf_normalise_answer calls quizflow/quiz/answers.py's normalise once per distinct
-- inputs text); `response_ms` is the answer's occurred_at minus that
-- of the latest QuestionAssigned before it in the stream, null when that assignment is missing
-- or was for another question. `question_version` is the version of the question answered
-- (1 for answers recorded before questions had versions).
-- partition: stream_id
-- types: chapter-quiz/QuestionAssigned, chapter-quiz/QuestionAnsweredCorrectly,
-- types: chapter-quiz/QuestionAnsweredIncorrectly
with quiz_events as (
    select * from projection_input
),

with_assignment as (
    select
        *,
        last_value(case when type = 'chapter-quiz/QuestionAssigned' then occurred_at end
                   ignore nulls) over earlier as assigned_at,
        last_value(case when type = 'chapter-quiz/QuestionAssigned' then question_id end
                   ignore nulls) over earlier as assigned_question_id
    from quiz_events
    window earlier as (
        partition by stream_id order by version
        rows between unbounded preceding and 1 preceding
    )
),

answer_events as (
    select *, data ->> '$.inputs' as inputs_text
    from with_assignment
    where type in ('chapter-quiz/QuestionAnsweredCorrectly',
                   'chapter-quiz/QuestionAnsweredIncorrectly')
),

normalised as (
    select inputs_text, qf_normalise_answer(inputs_text) as answer
    from (select distinct inputs_text from answer_events)
),

final as (
    select
        event_id,
        position,
        occurred_at,
        course_id,
        chapter_id,
        student_id,
        question_id,
        type = 'chapter-quiz/QuestionAnsweredCorrectly' as correct,
        a.data -> '$.inputs' as inputs,
        n.answer,
        case when assigned_question_id = question_id
             then epoch_ms(occurred_at) - epoch_ms(assigned_at) end as response_ms,
        cast(attempt as integer) as attempt,
        stream_id,
        version,
        coalesce(try_cast(a.data ->> '$.question_version' as integer), 1) as question_version
    from answer_events as a
    left join normalised as n using (inputs_text)
)

select * from final
