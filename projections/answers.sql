-- answers: one row per answer event; its columns are a published promise (docs/data-dictionary.md).
-- Key: event_id. `answer` is the inputs normalised to one comparable text by the quiz domain's
-- own rules (qf_normalise_answer calls quizflow/quiz/answers.py's normalise once per distinct
-- inputs text); `response_ms` is the answer's occurred_at minus that
-- of the latest QuestionAssigned before it in the stream, null when that assignment is missing
-- or was for another question. `question_version` is the version of the question answered
-- (1 for answers recorded before questions had versions). `answer_display` is `answer` as a
-- person reads it (qf_display_answer calls quizflow/quiz/display.py): one field's value alone,
-- several named by their labels (`x = 7; y = 3`), with the labels of the course as published
-- when the answer was given (the latest CoursePublished before it: events that precede the
-- answer only, so an incremental run and a rebuild agree).
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

-- Read from every valid event, not projection_input: a course is published in a stream of its
-- own, and few publications exist, so this stays small.
publications as (
    select course_id, position, unnest(json_extract(data, '$.chapters[*]')) as chapter
    from valid_events
    where type = 'course/CoursePublished'
),

question_fields as (
    select
        course_id,
        position as published_position,
        question ->> '$.question_id' as question_id,
        cast(question -> '$.fields' as varchar) as fields_text
    from (
        select course_id, position, unnest(json_extract(chapter, '$.questions[*]')) as question
        from publications
    ) as published_questions
),

-- Which publication each answer was given under: the latest of its question before it (-1:
-- none). Only its position is carried, so the join back below is on short keys.
published_under as (
    select a.*, coalesce(f.published_position, -1) as published_position
    from answer_events as a
    -- A subquery, not a CTE: the join in the shape that was measured (bench/README.md).
    left join (  -- noqa: ST05
        select course_id, question_id, published_position,
               lead(published_position) over (
                   partition by course_id, question_id order by published_position
               ) as superseded_at
        from question_fields
    ) as f
      on a.course_id = f.course_id
     and a.question_id = f.question_id
     and a.position >= f.published_position
     and (f.superseded_at is null or a.position < f.superseded_at)
),

-- Each distinct answer text under each publication, normalised and displayed once.
shown as (
    select
        k.inputs_text,
        k.course_id,
        k.question_id,
        k.published_position,
        qf_normalise_answer(k.inputs_text) as answer,
        qf_display_answer(k.inputs_text, f.fields_text) as answer_display
    from (
        select distinct inputs_text, course_id, question_id, published_position
        from published_under
    ) as k
    left join question_fields as f using (course_id, question_id, published_position)
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
        coalesce(try_cast(a.data ->> '$.question_version' as integer), 1) as question_version,
        n.answer_display
    from published_under as a
    left join shown as n using (inputs_text, course_id, question_id, published_position)
)

select * from final
