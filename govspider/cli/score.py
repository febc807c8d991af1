"""``govspider score``: the stored findings against a ground truth of planted cases."""

from __future__ import annotations

import click
from rich.console import Console

from govspider.cli.context import Failure, connect, dumps, json_line, read_text
from govspider.evaluation import score_findings, scores_table


@click.command()
@click.argument("truth", type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def score(truth: str, as_json: bool) -> None:
    """Score the stored findings against a ground truth of planted cases (JSON or JSON lines).

    Rows are {"detector", "subject_id", "label": true|false}; an unlisted subject that a
    detector flags counts as a false positive. `govspider demo` writes the sandbox's truth to
    the data directory as ground_truth.json.
    """
    raw = read_text(truth).strip()
    try:
        rows = json_line(raw, truth) if raw.startswith("[") else [
            json_line(x, f"{truth}:{n}") for n, x in enumerate(raw.splitlines(), 1) if x.strip()]
        if not all(isinstance(r, dict) and "detector" in r and "subject_id" in r for r in rows):
            raise ValueError("rows need 'detector' and 'subject_id'")
    except ValueError as exc:
        raise Failure(f"{truth}: not a ground truth ({exc})") from None
    with connect() as conn:
        scores = score_findings(rows, conn.db["findings"].find({}, {"detector": 1, "subject_id": 1, "status": 1}))
    if as_json:
        click.echo(dumps({n: {"tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": s.precision,
                              "recall": s.recall, "false_positives": s.false_positives,
                              "missed": s.missed} for n, s in scores.items()}))
    else:
        Console(soft_wrap=True).print(scores_table(scores, f"Stored findings vs {truth}"))
