"""Item statistics and the Rasch scale: a marimo notebook over the published snapshot.

Edit: `uv run marimo edit notebooks/difficulty.py`; run headless:
`uv run python notebooks/difficulty.py`. Reads $QUIZFLOW_HOME/published/warehouse.duckdb
read-only, once, and closes it before fitting anything.
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

    from quizflow.analysis import (
        first_attempts,
        hard_questions,
        item_statistics,
        rasch_difficulties,
    )
    from quizflow.rounding import rounded
    from quizflow.settings import load_settings

    return (
        alt,
        duckdb,
        first_attempts,
        hard_questions,
        item_statistics,
        load_settings,
        mo,
        pl,
        rasch_difficulties,
        rounded,
    )


@app.cell
def _(mo):
    mo.md(
        """
        # How hard is each question?

        Two views, as in `quizflow hard-questions`:

        * **classical item statistics** (what teachers know from Moodle and Canvas): facility
          = share right on a student's *first* answer to the question; discrimination =
          correlation of that answer with the student's other first answers;
        * **the Rasch scale**: P(right) = 1 / (1 + exp(-(ability - difficulty))), fitted by
          marginal maximum likelihood over every student and question. Students here get
          random questions, so raw scores are not comparable; the Rasch model handles that.
          Difficulty 0 is a question an average student has even odds on; +1 logit lowers
          those odds by a factor e.
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
def _(duckdb, snapshot):
    with duckdb.connect(str(snapshot), read_only=True) as _con:
        answers = _con.sql(
            "select student_id, question_id, correct, answer, response_ms, occurred_at from answers"
        ).pl()
        questions = _con.sql(
            "select course_id, chapter_id, question_id, text, difficulty as authored_difficulty"
            " from questions"
        ).pl()
        # Each answer as people read it (field labels, not field names): answers.answer_display.
        displays = {
            (question_id, answer): shown
            for question_id, answer, shown in _con.sql(
                "select question_id, answer, any_value(answer_display) from answers group by all"
            ).fetchall()
        }
    return answers, displays, questions


@app.cell
def _(mo):
    min_answers = mo.ui.slider(1, 50, value=5, label="Leave out questions with fewer answers than")
    mo.vstack([min_answers])  # the cell's last expression is what marimo shows
    return (min_answers,)


@app.cell
def _(answers, first_attempts, item_statistics, mo, rasch_difficulties):
    mo.stop(answers.height == 0, mo.md("No answers in the snapshot yet."))
    first = first_attempts(answers)
    difficulty, fit = rasch_difficulties(first)
    stats = item_statistics(answers)
    mo.md(
        f"""
        **{first.height:,} first answers** by {first["student_id"].n_unique():,} students to
        {first["question_id"].n_unique():,} questions.

        Rasch fit: ability SD sigma = **{fit.sigma:.2f}** (± {fit.sigma_se:.2f}; it started at
        1.0: on sparse data check that it moved), log-likelihood {fit.log_likelihood:,.1f},
        {fit.iterations} EM iterations, {"converged" if fit.converged else "**not converged**"}.
        {int(fit.extreme.sum())} question(s) were answered all right or all wrong; their
        difficulty leans on a weak prior.
        """
    )
    return difficulty, first, fit, stats


@app.cell
def _(alt, difficulty, min_answers, mo, pl, questions, stats):
    items = (
        stats.join(difficulty, on="question_id", how="inner")
        .join(questions, on="question_id", how="left")
        .filter(pl.col("answers") >= min_answers.value)
        .with_columns(
            (pl.col("difficulty") - 1.96 * pl.col("difficulty_se")).alias("low"),
            (pl.col("difficulty") + 1.96 * pl.col("difficulty_se")).alias("high"),
        )
        .sort("difficulty", descending=True)
    )
    base = alt.Chart(items).encode(
        x=alt.X("facility:Q", axis=alt.Axis(format="%"), title="facility (first answers right)"),
    )
    points = base.mark_circle(size=60).encode(
        y=alt.Y("difficulty:Q", title="Rasch difficulty (logits)"),
        color="chapter_id:N",
        tooltip=["question_id", "text", "answers", "facility", "difficulty", "difficulty_se"],
    )
    whiskers = base.mark_rule(opacity=0.4).encode(y="low:Q", y2="high:Q", color="chapter_id:N")
    chart = (points + whiskers).properties(
        title="Facility against Rasch difficulty (95% intervals)", width=520
    )
    mo.vstack(
        [
            chart,
            mo.md(
                "Harder questions have lower facility; points off the trend were answered by "
                "stronger or weaker students than average, which facility alone cannot see."
            ),
        ]
    )
    return (items,)


@app.cell
def _(alt, items, mo, pl):
    authored = items.filter(pl.col("authored_difficulty").is_not_null())
    mo.stop(authored.height == 0, mo.md("The course gives no authored difficulties to compare."))
    agreement = authored.select(pl.corr("authored_difficulty", "difficulty")).item()
    compare = (
        alt.Chart(authored)
        .mark_circle(size=60)
        .encode(
            x=alt.X("authored_difficulty:Q", title="difficulty the author expected"),
            y=alt.Y("difficulty:Q", title="difficulty the answers show"),
            tooltip=["question_id", "text"],
        )
        .properties(title="What the content editor expected, and what students did", width=520)
    )
    mo.vstack([mo.md(f"Correlation: **{agreement:.2f}**."), compare])
    return (agreement,)


@app.cell
def _(answers, displays, hard_questions, min_answers, mo, pl, questions, rounded):
    ranked = hard_questions(
        answers, questions.select("question_id", "text"), limit=15, min_answers=min_answers.value
    )
    table = pl.DataFrame(
        [
            {
                "question_id": q["question_id"],
                "text": q["text"],
                "answers": q["answers"],
                "facility": q["facility"],
                "difficulty": q["difficulty"],
                "difficulty_se": q["difficulty_se"],
                "top wrong answer": displays.get(
                    (q["question_id"], (q["top_wrong_answers"] or [{}])[0].get("answer"))
                ),
                "flags": ", ".join(q["flags"]) if q["flags"] else "",
            }
            for q in ranked
        ],
        infer_schema_length=None,
    )
    # Shown rounded; `ranked` keeps every digit for what you compute next.
    mo.vstack([mo.md("## The hardest questions, with the editor's flags"), rounded(table)])
    return (ranked,)


if __name__ == "__main__":
    app.run()
