-- One chunk of the ingest stream (registered as incoming_events) into the raw events.
insert into events by name select * from incoming_events
