-- student_questions: the questions a student answered, with how often and how well.
-- Which questions did this student see, how many times, right or wrong, and when?
-- param student_id: text, required. The student.
-- param course_id: text = null. Only this course (every course when null).
-- row: one question the student answered at least once, in the order first answered: its text
-- (when the course is known), answers, right and wrong, whether the first answer was right.
with params as (
    select
        cast($student_id as varchar) as student_id,
        cast($course_id as varchar) as course_id
),

student_answers as (
    select answers.*
    from answers, params
    where answers.student_id = params.student_id
      and (params.course_id is null or answers.course_id = params.course_id)
),

questions as (
    select course_id, question_id, text from questions
),

per_question as (
    select
        course_id,
        chapter_id,
        question_id,
        count(*) as answers,
        count(*) filter (where correct) as correct_answers,
        count(*) filter (where not correct) as wrong_answers,
        first(correct order by occurred_at, position) as first_answer_correct,
        min(occurred_at) as first_answered_at,
        max(occurred_at) as last_answered_at
    from student_answers
    group by course_id, chapter_id, question_id
),

final as (
    select
        p.course_id,
        p.chapter_id,
        p.question_id,
        q.text,
        p.answers,
        p.correct_answers,
        p.wrong_answers,
        p.first_answer_correct,
        p.first_answered_at,
        p.last_answered_at
    from per_question as p
    left join questions as q using (course_id, question_id)
)

select * from final order by first_answered_at, course_id, question_id
