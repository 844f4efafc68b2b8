"""When and how long students work: a marimo notebook over the published snapshot.

Edit: `uv run marimo edit notebooks/timings.py`; run headless: `uv run python notebooks/timings.py`.
Reads $QUIZFLOW_HOME/published/warehouse.duckdb read-only and closes it at once, so it never
holds up the pipeline.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import altair as alt
    import duckdb
    import marimo as mo
    import polars as pl

    from quizflow.queries import load_queries, query_frame
    from quizflow.rounding import rounded
    from quizflow.settings import load_settings

    return alt, duckdb, load_queries, load_settings, mo, pl, query_frame, rounded


@app.cell
def _(mo):
    mo.md(
        """
        # When and how long do students work?

        Every answer is an event with its time, so we can see *when* students practise (hour
        and weekday), *how long* they keep at it (time on task per day), how long they take
        per question, and how long a chapter quiz takes to pass. The figures come from the
        published snapshot's projections (`answers`, `student_days`, `attempts`) and the named
        query `response_times`.
        """
    )
    return


@app.cell
def _(load_settings, mo):
    snapshot = load_settings().published_path
    mo.stop(
        not snapshot.exists(),
        mo.md(f"No published snapshot at `{snapshot}` yet: run `uv run quizflow demo`."),
    )
    return (snapshot,)


@app.cell
def _(duckdb, load_queries, query_frame, snapshot):
    # Read everything needed, then close: a reader that holds the file open is never in the
    # pipeline's way (it publishes by renaming), but an idle notebook should not hold it anyway.
    with duckdb.connect(str(snapshot), read_only=True) as _con:
        answers = _con.sql(
            "select student_id, course_id, chapter_id, question_id, correct, response_ms,"
            " occurred_at from answers"
        ).pl()
        days = _con.sql("select * from student_days").pl()
        # Time to pass a chapter: the time practised over every attempt up to the one that
        # passed (restarts included), not the calendar time between start and pass.
        passes = _con.sql(
            "with passing as (select student_id, course_id, chapter_id, min(attempt) as attempt"
            "  from attempts where passed group by all)"
            " select a.course_id, a.chapter_id, a.student_id, count(*) as attempts,"
            "  cast(sum(a.practice_ms) as bigint) as practice_ms,"
            "  cast(sum(a.questions_answered) as bigint) as questions_answered"
            " from attempts a join passing p using (student_id, course_id, chapter_id)"
            " where a.attempt <= p.attempt group by all"
        ).pl()
        response_times = query_frame(_con, load_queries()["response_times"], {"min_answers": 3})
    return answers, days, passes, response_times


@app.cell
def _(mo):
    zone = mo.ui.dropdown(
        ["Europe/Amsterdam", "UTC"], value="Europe/Amsterdam", label="Show times in"
    )
    mo.vstack([zone])  # the cell's last expression is what marimo shows
    return (zone,)


@app.cell
def _(alt, answers, mo, pl, zone):
    local = answers.with_columns(pl.col("occurred_at").dt.convert_time_zone(zone.value))
    by_hour = (
        local.group_by(
            pl.col("occurred_at").dt.weekday().alias("weekday"),
            pl.col("occurred_at").dt.hour().alias("hour"),
        )
        .agg(pl.len().alias("answers"))
        .sort("weekday", "hour")
    )
    heatmap = (
        alt.Chart(by_hour)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title=f"hour ({zone.value})"),
            y=alt.Y("weekday:O", title="weekday (1 = Monday)"),
            color=alt.Color("answers:Q", scale=alt.Scale(scheme="blues")),
            tooltip=["weekday", "hour", "answers"],
        )
        .properties(title="When do students answer?", width=520)
    )
    mo.vstack([mo.md(f"**{answers.height:,} answers** in the snapshot."), heatmap])
    return (by_hour,)


@app.cell
def _(alt, days, mo, pl, rounded):
    minutes = days.with_columns((pl.col("time_on_task_ms") / 60_000).alias("minutes"))
    summary = minutes.select(
        pl.len().alias("student_days"),
        pl.col("minutes").median().alias("median_minutes"),
        pl.col("minutes").quantile(0.9).alias("p90_minutes"),
        pl.col("answers").median().alias("median_answers"),
    )
    histogram = (
        alt.Chart(minutes)
        .mark_bar()
        .encode(
            x=alt.X("minutes:Q", bin=alt.Bin(maxbins=30), title="minutes on task that day"),
            y=alt.Y("count():Q", title="student-days"),
        )
        .properties(title="How long does a student work on a day they practise?", width=520)
    )
    mo.vstack(
        [
            mo.md(
                "Time on task adds the gaps between a student's quiz events, each capped at "
                "5 minutes (a longer pause is time away)."
            ),
            rounded(summary),
            histogram,
        ]
    )
    return (summary,)


@app.cell
def _(alt, mo, pl, response_times, rounded):
    seconds = response_times.select(
        "chapter_id",
        "question_id",
        "timed_answers",
        *(
            (pl.col(c) / 1000).round(1).alias(c.replace("_ms", "_s"))
            for c in (
                "median_response_ms",
                "p90_response_ms",
                "median_correct_ms",
                "median_wrong_ms",
            )
        ),
    )
    # Points below the diagonal: wrong answers come faster than right ones (guessing?).
    scatter = (
        alt.Chart(seconds)
        .mark_circle(size=60)
        .encode(
            x=alt.X("median_correct_s:Q", title="median seconds, right answers"),
            y=alt.Y("median_wrong_s:Q", title="median seconds, wrong answers"),
            color="chapter_id:N",
            tooltip=["question_id", "timed_answers", "median_response_s", "p90_response_s"],
        )
        .properties(title="Right against wrong: who takes longer?", width=520)
    )
    mo.vstack(
        [
            mo.md("### Slowest questions (named query `response_times`)"),
            rounded(seconds.head(15)),
            scatter,
        ]
    )
    return (seconds,)


@app.cell
def _(alt, mo, passes, pl, rounded):
    to_pass = passes.with_columns((pl.col("practice_ms") / 60_000).round(1).alias("minutes"))
    per_chapter = (
        to_pass.group_by("course_id", "chapter_id")
        .agg(
            pl.len().alias("passes"),
            pl.col("minutes").median().alias("median_minutes"),
            pl.col("attempts").median().alias("median_attempts"),
            pl.col("questions_answered").median().alias("median_answers"),
        )
        .sort("course_id", "chapter_id")
    )
    box = (
        alt.Chart(to_pass)
        .mark_boxplot()
        .encode(
            x=alt.X("minutes:Q", title="minutes practised until passed (all attempts)"),
            y="chapter_id:N",
        )
        .properties(title="How long does it take to pass a chapter quiz?", width=520)
    )
    mo.vstack([rounded(per_chapter), box])
    return (per_chapter,)


if __name__ == "__main__":
    app.run()
