-- common_wrong_answers: what students answer when they get one question wrong.
-- What kinds of mistakes do students make answering this question? Wrong answers are
-- normalised (".5" and "0.50" count as one), counted over all attempts, with their share of
-- all wrong answers to the question and the misconception the course names for them, if any.
-- param question_id: text, required. The question.
-- param course_id: text = null. The question's course (the question id in any course when null).
-- param limit: integer = 10. How many wrong answers to list.
-- row: one normalised wrong answer, most common first: how often it was given, by how many
-- students, its share of all wrong answers (those without recorded text count in the total
-- but are not listed), the course's misconception for it, and `answer_display`: the answer as a
-- person reads it (field labels, not field names).
with params as (
    select
        cast($question_id as varchar) as question_id,
        cast($course_id as varchar) as course_id,
        cast($limit as integer) as row_limit
),

wrong_answers as (
    select answers.*, nullif(answers.answer, '') as answer_text
    from answers, params
    where answers.question_id = params.question_id
      and (params.course_id is null or answers.course_id = params.course_id)
      and not answers.correct
),

misconceptions as (
    select
        k.answer as answer_text,
        string_agg(distinct k.misconception, '; ') as misconception
    from known_wrong_answers as k, params
    where k.question_id = params.question_id
      and (params.course_id is null or k.course_id = params.course_id)
    group by all
),

counted as (
    select
        answer_text,
        count(*) as count,
        count(distinct student_id) as students,
        any_value(answer_display) as answer_display
    from wrong_answers
    where answer_text is not null
    group by answer_text
),

final as (
    select
        (select question_id from params) as question_id,
        c.answer_text as answer,
        c.count,
        c.students,
        c.count / (select count(*) from wrong_answers) as share,
        m.misconception,
        row_number() over (order by c.count desc, c.answer_text asc) as rank,
        c.answer_display
    from counted as c
    left join misconceptions as m using (answer_text)
    qualify rank <= (select row_limit from params)
)

select * from final order by rank
