-- questions: one row per question of the latest published version of each course (the content
-- editors' side; the quiz only reads it). A question left out of a newer version disappears.
-- Key: (course_id, question_id).
-- partition: course_id
-- types: course/CoursePublished
with publications as (
    select * from projection_input
),

latest as (
    select *
    from publications
    qualify row_number() over (partition by course_id order by version desc, position desc) = 1
),

chapters as (
    select
        course_id,
        position,
        occurred_at,
        data ->> '$.title' as course_title,
        try_cast(data ->> '$.version' as integer) as course_version,
        unnest(json_extract(data, '$.chapters[*]')) as chapter,
        generate_subscripts(json_extract(data, '$.chapters[*]'), 1) as chapter_number
    from latest
),

chapter_questions as (
    select
        *,
        unnest(json_extract(chapter, '$.questions[*]')) as question,
        generate_subscripts(json_extract(chapter, '$.questions[*]'), 1) as question_number
    from chapters
),

final as (
    select
        course_id,
        chapter ->> '$.chapter_id' as chapter_id,
        question ->> '$.question_id' as question_id,
        course_title,
        course_version,
        chapter ->> '$.title' as chapter_title,
        chapter_number,
        question_number,
        question ->> '$.text' as text,
        question -> '$.fields' as fields,
        question -> '$.accepted' as accepted,
        question -> '$.equivalence' as equivalence,
        question -> '$.wrong_answers' as wrong_answers,
        try_cast(question ->> '$.difficulty' as double) as difficulty,
        coalesce(try_cast(question ->> '$.version' as integer), 1) as question_version,
        position as published_position,
        occurred_at as published_at,
        question ->> '$.solution' as solution
    from chapter_questions
)

select * from final
