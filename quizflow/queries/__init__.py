"""Named queries (``queries/*.sql``): loading, listing and running them on a DuckDB connection.

The files are the product; this package only reads their headers, binds parameters through
DuckDB placeholders and returns rows. ``quizflow query`` and notebooks both go through it.
"""

from quizflow.queries.catalog import (
    QUERIES_DIR,
    NamedQuery,
    Parameter,
    QueryDefinitionError,
    load_queries,
    parse_query,
)
from quizflow.queries.run import QueryParameterError, QueryResult, bind, query_frame, run_query
from quizflow.queries.values import jsonable, parse_value

__all__ = [
    "QUERIES_DIR",
    "NamedQuery",
    "Parameter",
    "QueryDefinitionError",
    "QueryParameterError",
    "QueryResult",
    "bind",
    "jsonable",
    "load_queries",
    "parse_query",
    "parse_value",
    "query_frame",
    "run_query",
]
