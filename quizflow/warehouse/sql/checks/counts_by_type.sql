-- Raw events per type in the warehouse (reconciled against PostgreSQL up to the cursor).
select type, count(*) as events from events group by type order by type
