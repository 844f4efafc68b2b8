"""Which wrong answers, on which questions, by whom: a marimo notebook over the published snapshot.

Edit: `uv run marimo edit notebooks/mistakes.py`;
run headless: `uv run python notebooks/mistakes.py`.
Reads $QUIZFLOW_HOME/published/warehouse.duckdb read-only and closes it after each read.
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
        # Which mistakes do students make?

        A wrong answer restarts the quiz, and the event keeps what the student typed. So we
        can ask what a CRUD table forgets: *which* wrong answers, on *which* questions, *by
        whom*. Answers are compared normalised (`answers.answer`: " .5" and "0.50" are one
        answer) and matched with the misconceptions the course names. The named queries
        `hardest_questions`, `common_wrong_answers` and `student_mistakes` do the work; run
        them from the command line with `uv run quizflow query NAME`.
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
    queries = load_queries()

    def run(name: str, **params: object):
        """A named query on the snapshot as a polars frame; the file is closed right after."""
        with duckdb.connect(str(snapshot), read_only=True) as _con:
            return query_frame(_con, queries[name], params)

    return (run,)


@app.cell
def _(mo, rounded, run):
    hardest = run("hardest_questions", min_students=3, limit=20)
    # Shown rounded; `hardest` itself keeps every digit.
    mo.vstack([mo.md("## The questions students miss most on their first try"), rounded(hardest)])
    return (hardest,)


@app.cell
def _(hardest, mo):
    choices = {
        f"{row['question_id']}: {(row['text'] or '')[:60]}": row["question_id"]
        for row in hardest.iter_rows(named=True)
    }
    question = mo.ui.dropdown(
        choices, value=next(iter(choices), None), label="Look at the wrong answers to"
    )
    mo.vstack([question])  # the cell's last expression is what marimo shows
    return (question,)


@app.cell
def _(alt, mo, question, rounded, run):
    mo.stop(question.value is None, mo.md("No question has enough answers yet."))
    wrong = run("common_wrong_answers", question_id=question.value, limit=10)
    bars = (
        alt.Chart(wrong)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", axis=alt.Axis(format="%"), title="share of the wrong answers"),
            y=alt.Y("answer_display:N", sort="-x", title="wrong answer"),
            color=alt.Color("misconception:N", title="known misconception"),
            tooltip=["answer_display", "count", "students", "misconception"],
        )
        .properties(title=f"What students answer on {question.value} when wrong", width=480)
    )
    mo.vstack([rounded(wrong), bars])
    return (wrong,)


@app.cell
def _(duckdb, mo, question, snapshot):
    # Who gave which wrong answer: straight from the answers projection, newest first.
    with duckdb.connect(str(snapshot), read_only=True) as _con:
        who = _con.sql(
            """
            select a.answer_display as answer, a.student_id,
                   coalesce(r.student_name, a.student_id) as name,
                   r.class_id, count(*) as times, max(a.occurred_at) as last_time
            from answers as a
            left join (select distinct student_id, student_name, class_id from roster) as r
                using (student_id)
            where a.question_id = $question and not a.correct
            group by all
            order by times desc, last_time desc
            """,
            params={"question": question.value},
        ).pl()
    mo.vstack([mo.md(f"### Who answered {question.value} wrongly"), who])
    return (who,)


@app.cell
def _(alt, mo, rounded, run):
    per_student = run("student_mistakes", min_mistakes=1)
    spread = (
        alt.Chart(per_student.select("student_id", "answers", "mistakes", "mistake_share"))
        .mark_circle(size=50, opacity=0.7)
        .encode(
            x=alt.X("answers:Q", title="answers given"),
            y=alt.Y("mistake_share:Q", axis=alt.Axis(format="%"), title="share wrong"),
            tooltip=["student_id", "answers", "mistakes"],
        )
        .properties(title="Mistakes per student: practice against accuracy", width=480)
    )
    top = per_student.select(
        "student_id", "answers", "mistakes", "mistake_share", "questions_missed"
    ).head(10)
    mo.vstack(
        [
            mo.md("## Mistakes per student (named query `student_mistakes`)"),
            mo.md(f"{per_student.height} students made at least one mistake."),
            rounded(top),
            spread,
            mo.md(
                f"Median share wrong: {per_student['mistake_share'].median():.0%}"
                if per_student.height
                else "No mistakes yet."
            ),
        ]
    )
    return (per_student,)


if __name__ == "__main__":
    app.run()
