-- question_content: the published questions with their text and the wrong answers the course
-- lists, each with the misconception behind it.
-- What does the course say about this question? Content editors write typical wrong answers
-- and their misconceptions into the course; reports match students' answers against them.
-- param course_id: text = null. Only this course (every course when null).
-- param chapter_id: text = null. Only this chapter (every chapter when null).
-- row: one question of the latest published course version (key: course_id, question_id):
-- chapter, text, and `wrong_answers` as a list of {answer, misconception, answer_display},
-- where `answer` is normalised the way answers are (so it compares with answers.answer) and
-- `answer_display` is how people read it (field labels); `accepted`, the answer key (json:
-- field name -> accepted answers).
with params as (
    select
        cast($course_id as varchar) as course_id,
        cast($chapter_id as varchar) as chapter_id
),

scoped_questions as (
    select questions.*
    from questions, params
    where (params.course_id is null or questions.course_id = params.course_id)
      and (params.chapter_id is null or questions.chapter_id = params.chapter_id)
),

normalised as (
    select
        k.course_id,
        k.question_id,
        list(
            {
                'answer': k.answer,
                'misconception': k.misconception,
                'answer_display': k.answer_display
            } order by k.listed_number
        ) as wrong_answers
    from known_wrong_answers as k
    inner join scoped_questions using (course_id, question_id)
    group by k.course_id, k.question_id
),

final as (
    select
        q.course_id,
        q.chapter_id,
        q.question_id,
        q.chapter_title,
        q.text,
        coalesce(n.wrong_answers, []) as wrong_answers,
        q.chapter_number,
        q.question_number,
        -- The answer key as published: field name -> accepted answers.
        q.accepted,
        -- The input fields in order, [{name, label}]: what a person calls each field.
        q.fields
    from scoped_questions as q
    left join normalised as n using (course_id, question_id)
)

select * from final order by course_id, chapter_number, question_number
