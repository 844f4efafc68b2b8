"""A worked example: a new question, answered by a new projection backfilled from all history.

Edit: `uv run marimo edit notebooks/new_projection.py`; run headless:
`uv run python notebooks/new_projection.py` (the rehearsal runs in memory; nothing is written
unless you press the button in the editor). Reads the published snapshot read-only, once.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import tempfile
    from pathlib import Path

    import altair as alt
    import duckdb
    import marimo as mo
    import polars as pl

    from quizflow.rounding import rounded
    from quizflow.settings import load_settings
    from quizflow.warehouse.projections import (
        PROJECTIONS_DIR,
        QUARANTINE,
        apply_projections,
        load_projections,
        parse_projection,
    )
    from quizflow.warehouse.sqlfiles import schema_statements

    return (
        PROJECTIONS_DIR,
        Path,
        QUARANTINE,
        alt,
        apply_projections,
        duckdb,
        load_projections,
        load_settings,
        mo,
        parse_projection,
        pl,
        rounded,
        schema_statements,
        tempfile,
    )


@app.cell
def _(mo):
    mo.md(
        """
        # A new question, months later: do students choke when the pass is in sight?

        A chapter quiz is passed with three right answers in a row, and a wrong answer starts
        it over. Are students more likely to slip on the answer that would pass the quiz
        (after two right ones) than on the first? No table we have says which streak a
        student was on when they answered. In a CRUD system that information is gone. Here
        every event is kept, so we **add a projection** and the pipeline **backfills it from
        the whole history**.

        A projection is one SQL file in `projections/`: a `select` over the view
        `projection_input` (the events it may read) with a header the runner reads:
        `-- partition:` (a column; rows of one partition depend only on its events, so new
        events rebuild only their partitions) and `-- types:` (the event types that feed it).
        A projection the warehouse has no state for is built from all raw events already in
        DuckDB; PostgreSQL is not read again.
        """
    )
    return


@app.cell
def _():
    name = "answer_streaks"
    projection_sql = """\
-- answer_streaks: one row per answer, with the streak the student was on when answering.
-- Key: event_id. streak_before counts the right answers in a row before this one in the same
-- run (0 after a start or a restart); three in a row pass, so an answer at streak_before 2 is
-- the one that would have passed the quiz.
-- partition: stream_id
-- types: chapter-quiz/QuizStarted, chapter-quiz/QuizStartedOver,
-- types: chapter-quiz/QuestionAnsweredCorrectly, chapter-quiz/QuestionAnsweredIncorrectly
with quiz_events as (
    select
        *,
        case type
            when 'chapter-quiz/QuestionAnsweredCorrectly'
                then cast(data ->> '$.streak' as integer)
            else 0  -- a start, a restart and a wrong answer all leave the streak at 0
        end as streak_after
    from projection_input
),

with_streaks as (
    select
        *,
        coalesce(
            last_value(streak_after) over (
                partition by stream_id order by version
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as streak_before
    from quiz_events
),

final as (
    select
        event_id,
        stream_id,
        student_id,
        course_id,
        chapter_id,
        question_id,
        cast(attempt as integer) as attempt,
        occurred_at,
        type = 'chapter-quiz/QuestionAnsweredCorrectly' as correct,
        streak_before
    from with_streaks
    where type in ('chapter-quiz/QuestionAnsweredCorrectly',
                   'chapter-quiz/QuestionAnsweredIncorrectly')
)

select * from final
"""
    return name, projection_sql


@app.cell
def _(mo, name, projection_sql):
    mo.md(f"## The file `projections/{name}.sql`\n\n```sql\n{projection_sql}\n```")
    return


@app.cell
def _(Path, mo, name, parse_projection, projection_sql, tempfile):
    # The runner's own parser checks the header, exactly as the pipeline will.
    _draft = Path(tempfile.mkdtemp(prefix="quizflow-projection-")) / f"{name}.sql"
    _draft.write_text(projection_sql)
    parsed = parse_projection(_draft)
    mo.md(
        f"The header parses: table `{parsed.name}`, partition `{parsed.partition}`, "
        f"fed by {', '.join(f'`{t}`' for t in parsed.types or ['every type'])}."
    )
    return (parsed,)


@app.cell
def _(load_settings, mo):
    settings = load_settings()
    snapshot = settings.published_path
    mo.stop(
        not snapshot.exists(),
        mo.md(f"No published snapshot at `{snapshot}` yet: run `uv run quizflow demo`."),
    )
    return settings, snapshot


@app.cell
def _(duckdb, snapshot):
    # The raw events and the ingest cursor, copied out of the published snapshot; the file is
    # closed again before any work starts, so the pipeline is never kept waiting.
    with duckdb.connect(str(snapshot), read_only=True) as _con:
        raw_events = _con.sql("select * from events").to_arrow_table()
        checkpoint = _con.sql("select * from ingest_checkpoint").to_arrow_table()
    return checkpoint, raw_events


@app.cell
def _(
    PROJECTIONS_DIR,
    Path,
    QUARANTINE,
    apply_projections,
    checkpoint,
    duckdb,
    load_projections,
    mo,
    name,
    projection_sql,
    raw_events,
    schema_statements,
    tempfile,
):
    # Rehearse the backfill in memory with the real projection runner: a warehouse holding the
    # published raw events, the quarantine (every projection reads the events it let through)
    # and the new file. With no state for `answer_streaks`, the runner builds it from all
    # events, exactly what `quizflow pipeline run` does once the file is in projections/.
    _folder = Path(tempfile.mkdtemp(prefix="quizflow-rehearsal-"))
    (_folder / f"{QUARANTINE}.sql").write_text((PROJECTIONS_DIR / f"{QUARANTINE}.sql").read_text())
    (_folder / f"{name}.sql").write_text(projection_sql)
    rehearsal = duckdb.connect()
    rehearsal.execute("set TimeZone = 'UTC'")
    for _statement in schema_statements():
        rehearsal.execute(_statement)
    rehearsal.register("published_events", raw_events)
    rehearsal.register("published_checkpoint", checkpoint)
    rehearsal.execute("insert into events by name select * from published_events")
    rehearsal.execute("insert into ingest_checkpoint by name select * from published_checkpoint")
    results = apply_projections(rehearsal, load_projections(_folder))
    mo.vstack(
        [
            mo.md(f"## The backfill, rehearsed on {raw_events.num_rows:,} events"),
            mo.md(
                "\n".join(
                    f"* `{r.name}`: {r.mode}, {r.rows:,} rows in {r.seconds:.2f} s" for r in results
                )
            ),
        ]
    )
    return rehearsal, results


@app.cell
def _(alt, mo, name, pl, rehearsal, rounded):
    streaks = rehearsal.sql(f"select * from {name}").pl()
    by_streak = (
        streaks.group_by("streak_before")
        .agg(
            pl.len().alias("answers"),
            (1 - pl.col("correct").cast(pl.Float64).mean()).alias("share_wrong"),
            pl.col("student_id").n_unique().alias("students"),
        )
        .sort("streak_before")
    )
    chart = (
        alt.Chart(by_streak)
        .mark_bar()
        .encode(
            x=alt.X("streak_before:O", title="right answers in a row before this one"),
            y=alt.Y("share_wrong:Q", axis=alt.Axis(format="%"), title="share wrong"),
            tooltip=["streak_before", "answers", "students", "share_wrong"],
        )
        .properties(title="Do students slip more as the pass comes in sight?", width=420)
    )
    mo.vstack(
        [
            rounded(by_streak),
            chart,
            mo.md(
                "Questions are assigned at random, so each streak position sees the same mix of "
                "questions. But not the same mix of students: those who reach a streak of 2 are "
                "on average the stronger ones, which pulls the share wrong down there. Compare "
                "within students (or by Rasch ability, see difficulty.py) before concluding."
            ),
        ]
    )
    return (by_streak,)


@app.cell
def _(mo):
    make_it_real = mo.ui.run_button(
        label="Write projections/answer_streaks.sql and run the pipeline"
    )
    mo.vstack(
        [
            mo.md(
                """
                ## Making it permanent

                1. Save the SQL above as `projections/answer_streaks.sql` (the button does it).
                2. Run `uv run quizflow pipeline run` (or let the Dagster sensor do it). The
                   runner finds no state for `answer_streaks`, builds it from every raw event in
                   the warehouse, publishes the snapshot; later runs update only the streams that
                   got new events. Changing the file's SQL rebuilds it the same way.
                3. Reload the Dagster code location: the new table is an asset of its own.
                4. Add a named query in `queries/` with a test if others will ask the question.
                """
            ),
            make_it_real,
        ]
    )
    return (make_it_real,)


@app.cell
def _(PROJECTIONS_DIR, make_it_real, mo, name, projection_sql, settings):
    # Only on a click in the editor; a headless run stops here and writes nothing.
    mo.stop(not make_it_real.value)
    from quizflow.database import login_database_url
    from quizflow.warehouse import run_pipeline

    (PROJECTIONS_DIR / f"{name}.sql").write_text(projection_sql)
    summary = run_pipeline(settings, login_database_url("pipeline", settings), checks=False)
    mo.md(
        "\n".join(f"* `{p.name}`: {p.mode}, {p.rows:,} rows" for p in summary.projections)
        + f"\n\nPublished {summary.published}."
    )
    return (summary,)


if __name__ == "__main__":
    app.run()
