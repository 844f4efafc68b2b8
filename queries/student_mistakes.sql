-- student_mistakes: mistakes per student: how many, and the wrong answers themselves.
-- How many mistakes did each student make, and which? Most mistakes first.
-- param course_id: text = null. Only this course (every course when null).
-- param student_id: text = null. Only this student (everyone when null).
-- param min_mistakes: integer = 1. Leave out students with fewer mistakes than this.
-- row: one student: answers, mistakes, the share of answers that were wrong, the questions
-- they got wrong at least once, and every wrong answer (question, normalised answer, the
-- answer as a person reads it, time), oldest first.
with params as (
    select
        cast($course_id as varchar) as course_id,
        cast($student_id as varchar) as student_id,
        cast($min_mistakes as integer) as min_mistakes
),

scoped_answers as (
    select answers.*
    from answers, params
    where (params.course_id is null or answers.course_id = params.course_id)
      and (params.student_id is null or answers.student_id = params.student_id)
),

per_student as (
    select
        student_id,
        count(*) as answers,
        count(*) filter (where not correct) as mistakes,
        count(distinct question_id) filter (where not correct) as questions_missed,
        coalesce(
            list(
                {
                    'occurred_at': occurred_at,
                    'question_id': question_id,
                    'answer': answer,
                    'answer_display': answer_display
                }
                order by occurred_at, position
            ) filter (where not correct),
            []
        ) as wrong_answers
    from scoped_answers
    group by student_id
),

final as (
    select
        s.student_id,
        s.answers,
        s.mistakes,
        s.mistakes / s.answers as mistake_share,
        s.questions_missed,
        s.wrong_answers
    from per_student as s, params
    where s.mistakes >= params.min_mistakes
)

select * from final order by mistakes desc, student_id asc
