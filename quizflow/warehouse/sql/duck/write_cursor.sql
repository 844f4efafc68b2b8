-- Move the ingest cursor; runs in the same transaction as the insert of the rows it covers.
insert into ingest_checkpoint (id, tx, position, events, updated_at)
values (1, $tx, $position, $added, $now)
on conflict (id) do update
   set tx = excluded.tx,
       position = excluded.position,
       events = ingest_checkpoint.events + excluded.events,
       updated_at = excluded.updated_at
