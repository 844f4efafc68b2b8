-- hardest_questions: the questions students get right least often on their first try.
-- Which questions in our database are difficult? Ranked by facility: the share of students
-- whose first answer to the question was right (Moodle's facility index). A quick ranking in
-- SQL; `quizflow hard-questions` ranks by Rasch difficulty, which also weighs who answered.
-- param course_id: text = null. Only this course (every course when null).
-- param chapter_id: text = null. Only this chapter (every chapter when null).
-- param min_students: integer = 10. Leave out questions fewer students answered (noise).
-- param limit: integer = 20. How many questions to list.
-- row: one question, hardest first: its text, answers (all attempts), students, facility
-- (first answers), share correct over all answers, wrong answers, median response time.
with params as (
    select
        cast($course_id as varchar) as course_id,
        cast($chapter_id as varchar) as chapter_id,
        cast($min_students as integer) as min_students,
        cast($limit as integer) as row_limit
),

scoped_answers as (
    select answers.*
    from answers, params
    where (params.course_id is null or answers.course_id = params.course_id)
      and (params.chapter_id is null or answers.chapter_id = params.chapter_id)
),

question_texts as (
    select course_id, question_id, text from questions
),

numbered_answers as (
    select
        *,
        row_number() over (
            partition by course_id, question_id, student_id order by occurred_at, position
        ) as answer_number
    from scoped_answers
),

first_answers as (
    select * from numbered_answers where answer_number = 1
),

first_stats as (
    select
        course_id,
        question_id,
        count(*) as students,
        avg(case when correct then 1.0 else 0.0 end) as facility
    from first_answers
    group by course_id, question_id
),

all_stats as (
    select
        course_id,
        chapter_id,
        question_id,
        count(*) as answers,
        avg(case when correct then 1.0 else 0.0 end) as share_correct,
        cast(sum(case when correct then 0 else 1 end) as bigint) as wrong_answers,
        median(response_ms) as median_response_ms
    from scoped_answers
    group by course_id, chapter_id, question_id
),

ranked as (
    select
        a.course_id,
        a.chapter_id,
        a.question_id,
        q.text,
        a.answers,
        f.students,
        f.facility,
        a.share_correct,
        a.wrong_answers,
        a.median_response_ms,
        row_number() over (
            order by f.facility asc, f.students desc, a.course_id asc, a.question_id asc
        ) as rank
    from all_stats as a
    inner join first_stats as f using (course_id, question_id)
    left join question_texts as q using (course_id, question_id)
    where f.students >= (select min_students from params)
),

final as (
    select * from ranked where rank <= (select row_limit from params)
)

select * from final order by rank
