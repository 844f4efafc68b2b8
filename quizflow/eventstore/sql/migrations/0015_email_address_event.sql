-- Teachers get their weekly report by e-mail: an account's address is an event of its own,
-- sealed like a name (erasing the person shreds it with the rest of their personal text).
insert into quizflow.event_types (type) values ('accounts/EmailAddressChanged');
