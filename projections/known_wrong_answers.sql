-- known_wrong_answers: one row per typical wrong answer listed for a question in the latest
-- published version of its course, with its misconception and feedback, and the answer
-- normalised and displayed as the answers table does it. Joining on `answer` matches students'
-- answers to misconceptions in plain SQL (the DuckDB CLI, BI tools), with no Python function.
-- Key: (course_id, question_id, listed_number).
-- partition: course_id
-- types: course/CoursePublished
with latest as (
    select *
    from projection_input
    qualify row_number() over (partition by course_id order by version desc, position desc) = 1
),

questions as (
    select
        course_id,
        unnest(json_extract(chapter, '$.questions[*]')) as question
    from (
        select course_id, unnest(json_extract(data, '$.chapters[*]')) as chapter
        from latest
    ) as chapters
),

listed as (
    select
        course_id,
        question ->> '$.question_id' as question_id,
        cast(question -> '$.fields' as varchar) as fields_text,
        unnest(json_extract(question, '$.wrong_answers[*]')) as wrong_answer,
        generate_subscripts(json_extract(question, '$.wrong_answers[*]'), 1) as listed_number
    from questions
),

final as (
    select
        course_id,
        question_id,
        listed_number,
        wrong_answer -> '$.answer' as inputs,
        qf_normalise_answer(cast(wrong_answer -> '$.answer' as varchar)) as answer,
        qf_display_answer(cast(wrong_answer -> '$.answer' as varchar), fields_text)
            as answer_display,
        wrong_answer ->> '$.misconception' as misconception,
        wrong_answer ->> '$.feedback' as feedback
    from listed
)

select * from final
