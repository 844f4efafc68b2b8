"""The lake warehouse mode (``QUIZFLOW_WAREHOUSE=lake``): Apache Iceberg tables in a SQL catalog
on PostgreSQL, data on S3-compatible storage or a local folder, DuckDB as the engine.

See docs/lakehouse.md. The modules, one concept each: settings (what to open), catalog (opening
it, table names), columns (DuckDB types over Iceberg), read (a table's snapshot in DuckDB),
ingest (events in, exactly once), projections, release (the snapshot ids readers pin), reader
(opening a release for reading), run (one pipeline run).
"""
