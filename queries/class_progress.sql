-- class_progress: per class and chapter, how many students started and passed the chapter quiz.
-- How far is each class? Every chapter of the published courses for every class, also the
-- chapters nobody has started yet; shares are of the students enrolled in the class.
-- param school_id: text = null. Only this school (every school when null).
-- param class_id: text = null. Only this class (every class when null).
-- param course_id: text = null. Only this course (every course when null).
-- row: one class and chapter, in course order: students enrolled, how many started the chapter
-- quiz, how many passed it, and the shares started and passed.
with params as (
    select
        cast($school_id as varchar) as school_id,
        cast($class_id as varchar) as class_id,
        cast($course_id as varchar) as course_id
),

enrolments as (
    select roster.*
    from roster, params
    where (params.school_id is null or roster.school_id = params.school_id)
      and (params.class_id is null or roster.class_id = params.class_id)
),

scoped_attempts as (
    select attempts.*
    from attempts, params
    where params.course_id is null or attempts.course_id = params.course_id
),

scoped_questions as (
    select questions.*
    from questions, params
    where params.course_id is null or questions.course_id = params.course_id
),

-- Chapters from the published content, plus any that only the answers know (content missing).
chapters as (
    select
        course_id,
        chapter_id,
        max(chapter_title) as chapter_title,
        min(chapter_number) as chapter_number
    from (
        select course_id, chapter_id, chapter_title, chapter_number from scoped_questions
        union all
        select course_id, chapter_id, null as chapter_title, null as chapter_number
        from scoped_attempts
    ) as chapter_rows
    group by course_id, chapter_id
),

classes as (
    select
        school_id,
        class_id,
        any_value(class_name) as class_name,
        any_value(teacher_name) as teacher_name,
        count(distinct student_id) as students
    from enrolments
    group by school_id, class_id
),

student_chapters as (
    select
        e.school_id,
        e.class_id,
        a.course_id,
        a.chapter_id,
        a.student_id,
        bool_or(a.passed) as passed
    from enrolments as e
    inner join scoped_attempts as a using (student_id)
    group by all
),

progress as (
    select
        school_id,
        class_id,
        course_id,
        chapter_id,
        count(*) as started,
        count(*) filter (where passed) as passed
    from student_chapters
    group by all
),

final as (
    select
        c.school_id,
        c.class_id,
        c.class_name,
        c.teacher_name,
        ch.course_id,
        ch.chapter_id,
        ch.chapter_title,
        c.students,
        coalesce(p.started, 0) as started,
        coalesce(p.passed, 0) as passed,
        coalesce(p.started, 0) / c.students as share_started,
        coalesce(p.passed, 0) / c.students as share_passed,
        ch.chapter_number
    from classes as c
    cross join chapters as ch
    left join progress as p
        on c.school_id = p.school_id
       and c.class_id = p.class_id
       and ch.course_id = p.course_id
       and ch.chapter_id = p.chapter_id
)

select * from final
order by school_id, class_id, course_id, chapter_number nulls last, chapter_id
