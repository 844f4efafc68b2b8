-- What a projection was built with and how far it has applied (no row: never built).
select sql_hash, tx, position from projection_state where name = $name
