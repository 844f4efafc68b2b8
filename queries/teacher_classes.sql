-- teacher_classes: every class with its school, teacher and number of students.
-- Which classes are there, who teaches them, and how many students are enrolled? The teacher
-- report lists these (one report per class) and refuses a class that is not here.
-- param teacher_id: text = null. Only this teacher's classes (every class when null).
-- row: one class (key: class_id): school, the school's time zone (the clock its reports show
-- times on), class name, teacher, enrolled students, the first enrolment; ordered by school and
-- class name.
with params as (
    select cast($teacher_id as varchar) as teacher_id
),

enrolments as (
    select roster.*
    from roster, params
    where params.teacher_id is null or roster.teacher_id = params.teacher_id
),

per_class as (
    select
        class_id,
        any_value(school_id) as school_id,
        any_value(school_name) as school_name,
        any_value(school_time_zone) as time_zone,
        any_value(class_name) as class_name,
        any_value(teacher_id) as teacher_id,
        any_value(teacher_name) as teacher_name,
        count(distinct student_id) as students,
        min(enrolled_at) as first_enrolled_at
    from enrolments
    group by class_id
),

final as (
    select
        class_id,
        coalesce(class_name, class_id) as class_name,
        school_id,
        school_name,
        coalesce(time_zone, 'Europe/Amsterdam') as time_zone,
        teacher_id,
        teacher_name,
        students,
        first_enrolled_at
    from per_class
)

select * from final order by school_name, class_name, class_id
