-- The schema that holds every Quizflow object in the database.
create schema if not exists quizflow;
