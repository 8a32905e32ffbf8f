"""`opsrca train`, `opsrca evaluate`, `opsrca classify` (registered on the shared app)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from opsrca.cli._app import DEFAULT_DB_PATH, DbOption, app, console, model_hint

if TYPE_CHECKING:  # the classifier (polars, scikit-learn, jieba) loads when a command runs
    import polars as pl

ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="Model folder (default: the database's model, see `opsrca config`, "
        "else the bundled one).",
        file_okay=False,
    ),
]
LabeledArg = Annotated[
    Path,
    typer.Argument(
        help="Labeled CSV (message, label, platform, http_status, error_code, sub_code, source, group).",
        exists=True,
        dir_okay=False,
    ),
]


class Lang(StrEnum):
    """Language of the ``fix`` column."""

    zh = "zh"
    en = "en"


def _metrics_table(title: str, split: dict[str, Any]) -> Table:
    """Per-class precision/recall/F1 for rules, model and hybrid side by side."""
    table = Table(title=title, show_lines=False)
    table.add_column("root cause")
    table.add_column("n", justify="right")
    for method in ("rules", "model", "hybrid"):
        for metric in ("P", "R", "F1"):
            table.add_column(f"{method} {metric}", justify="right")
    per = {m: split[m]["per_class"] for m in ("rules", "model", "hybrid")}
    for label, stats in split["hybrid"]["per_class"].items():
        cells = [label, str(stats["support"])]
        for method in ("rules", "model", "hybrid"):
            s = per[method].get(label, {"precision": 0, "recall": 0, "f1": 0})
            cells += [f"{s['precision']:.2f}", f"{s['recall']:.2f}", f"{s['f1']:.2f}"]
        table.add_row(*cells)
    macro = ["[bold]macro-F1[/]", ""]
    for method in ("rules", "model", "hybrid"):
        macro += ["", "", f"[bold]{split[method]['macro_f1']:.3f}[/]"]
    table.add_row(*macro)
    return table


def _confusion_table(title: str, confusion: dict[str, Any]) -> Table:
    """Confusion matrix: rows are true labels (numbered), columns the predicted label numbers."""
    labels = confusion["labels"]
    table = Table(
        title=title, show_lines=False, caption="rows: true label; columns: predicted (by number)"
    )
    table.add_column("#", justify="right")
    table.add_column("true label")
    for i in range(len(labels)):
        table.add_column(str(i + 1), justify="right")
    for i, (lab, row) in enumerate(zip(labels, confusion["matrix"], strict=True)):
        table.add_row(str(i + 1), lab, *[str(v) if v else "·" for v in row])
    return table


RealworldOption = Annotated[
    Path | None,
    typer.Option(
        "--realworld",
        help="Real-world evaluation set (message, platform, category, source, source_group): "
        "never trained on; chooses features and threshold in train, reported by evaluate.",
        exists=True,
        dir_okay=False,
    ),
]


def _tradeoff_table(curve: list[dict[str, float]], kept: float) -> Table:
    """Coverage against precision per threshold (the kept threshold marked)."""
    table = Table(title="abstention trade-off, real-world set (hybrid)")
    for name in ("threshold", "unknown on categorized", "precision of answered", "macro-F1"):
        table.add_column(name, justify="right")
    for c in curve:
        mark = " *" if c["threshold"] == kept else ""
        table.add_row(
            f"{c['threshold']:.2f}{mark}",
            f"{c['unknown_rate']:.3f}",
            f"{c['precision']:.3f}",
            f"{c['macro_f1']:.3f}",
        )
    return table


def _splits_table(report: dict[str, Any]) -> Table:
    """Grouped CV, leave-one-source-out and the real-world set side by side, per category."""
    splits = [
        (k, t)
        for k, t in (
            ("grouped_cv", "grouped CV"),
            ("source_holdout", "held-out sources"),
            ("realworld", "real world"),
        )
        if report.get(k)
    ]
    table = Table(title="hybrid F1 per category (n = support)")
    table.add_column("root cause")
    for _, title in splits:
        table.add_column(title, justify="right")
    cats = sorted({c for k, _ in splits for c in report[k]["hybrid"]["per_class"]})
    for cat in cats:
        cells = []
        for k, _ in splits:
            s = report[k]["hybrid"]["per_class"].get(cat)
            cells.append(f"{s['f1']:.2f} ({s['support']})" if s else "–")
        table.add_row(cat, *cells)
    for method in ("rules", "model", "hybrid"):
        table.add_row(
            f"[bold]macro-F1 {method}[/]",
            *[f"[bold]{report[k][method]['macro_f1']:.3f}[/]" for k, _ in splits],
        )
    return table


@app.command()
def train(
    labeled: LabeledArg,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Write the model here (default: a new versioned folder models/<time>-<hash> "
            "beside the database, which becomes the database's model).",
            file_okay=False,
        ),
    ] = None,
    add: Annotated[
        list[Path] | None,
        typer.Option(
            "--add",
            help="An analyst's filled-in `opsrca label` export (CSV/XLSX with template_id or "
            "message, and label), trained on top of LABELED and the knowledge base; repeatable. "
            "Its templates are decided by their label.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    realworld: RealworldOption = None,
    note: Annotated[
        str | None, typer.Option("--note", help="A line for the model card's changelog.")
    ] = None,
    learn_realworld: Annotated[
        bool,
        typer.Option(
            "--learn-realworld",
            help="Also learn from the --realworld rows; the real-world score, threshold and "
            "feature choice then come from source-family folds (each source scored by a model "
            "that never saw it), and `evaluate` scores it the same way.",
        ),
    ] = False,
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Train the root-cause model on LABELED + the knowledge base (+ --add files): features and
    abstain threshold chosen on --realworld (else grouped CV), grouped CV and leave-one-source-out
    reported, written as data (model.json, model.npz) with manifest.json and a versioned
    model_card.md. With --add, the templates in --db are re-decided right away.

    Without --model the new model is versioned beside the database and used by the next
    `analyze` / `classify` of it (`opsrca config` shows it). The bundled model is read-only.

    Example: opsrca train data/samples/labeled_errors.csv --add labels.xlsx
    """
    from opsrca.api import train as train_model

    manifest = train_model(
        labeled,
        model_dir=model,
        db=db,
        progress=console.is_terminal,
        realworld=realworld,
        add=tuple(add or ()),
        note=note,
        learn_realworld=learn_realworld,
    )
    metrics = manifest["metrics"]
    console.print(
        f"model version {manifest['version']}: {manifest['data_rows']} rows "
        f"({', '.join(f'{k} {v}' for k, v in manifest['data_counts'].items())}), "
        f"{len(manifest['labels'])} labels; features {manifest['feature_config']['name']}; "
        f"threshold {manifest['threshold']}"
    )
    for split in ("grouped_cv", "source_holdout", "realworld"):
        if metrics.get(split):
            console.print(
                f"  {split}: macro-F1 rules {metrics[split]['rules']['macro_f1']:.3f}, "
                f"model {metrics[split]['model']['macro_f1']:.3f}, "
                f"hybrid {metrics[split]['hybrid']['macro_f1']:.3f}"
            )
    folder = Path(manifest["model_dir"])
    console.print(f"model written to {folder}")
    if model is None:
        console.print(f"it is now the model of {db} (`opsrca config --db {db}` shows it)")
    else:
        console.print(f"use it for {db} with: opsrca config set model {model} --db {db}")
    if add and db.exists():
        from opsrca import store
        from opsrca.classify import decide_templates

        con = store.connect(db)
        try:
            run = decide_templates(con, model_dir=folder)
        finally:
            con.close()
        console.print(
            f"{run.templates_decided:,} templates in {db} re-decided with {run.model_version}"
        )


@app.command()
def evaluate(
    labeled: LabeledArg,
    model: ModelOption = None,
    db: DbOption = DEFAULT_DB_PATH,
    realworld: RealworldOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print machine-readable metrics.")
    ] = False,
) -> None:
    """Score rules (with documented codes), model and hybrid side by side: grouped CV and
    leave-one-source-out on LABELED + the knowledge base (refit per fold), and --realworld
    (the fitted model, or source-family folds when the model learned it), per category, with
    confusion tables and the coverage/precision trade-off. Never changes the model.

    Example: opsrca evaluate data/samples/labeled_errors.csv --realworld data/realworld/realworld.csv
    """
    from opsrca.classify import evaluate as evaluate_model
    from opsrca.settings import resolve_model_dir

    report = evaluate_model(
        labeled,
        model_dir=resolve_model_dir(model, db),
        realworld=realworld,
        progress=console.is_terminal and not as_json,
    )
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    console.print(
        f"{report['data_rows']} training rows; model version {report['model_version']}; "
        f"threshold {report['threshold']} (unknown class: "
        f"{report['unknown_threshold'] or report['threshold']}); "
        f"features {report['feature_config']['name']}"
    )
    for split, title in (
        ("grouped_cv", "grouped CV"),
        ("source_holdout", "held-out sources"),
        ("realworld", "real-world set"),
    ):
        if report[split]:
            console.print(
                f"{title} macro-F1: "
                + ", ".join(
                    f"{m} {report[split][m]['macro_f1']:.3f}" for m in ("rules", "model", "hybrid")
                )
                + f"; hybrid accuracy {report[split]['hybrid']['accuracy']:.3f}"
            )
    console.print(_splits_table(report))
    console.print(_metrics_table("grouped cross-validation (refit per fold)", report["grouped_cv"]))
    console.print(
        _confusion_table(
            "hybrid confusion, grouped CV", report["grouped_cv"]["hybrid"]["confusion"]
        )
    )
    if report["realworld"]:
        console.print(
            _metrics_table(
                f"real-world set ({report.get('realworld_scoring') or 'fitted model'})",
                report["realworld"],
            )
        )
        console.print(
            _confusion_table(
                "hybrid confusion, real-world set", report["realworld"]["hybrid"]["confusion"]
            )
        )
        console.print(_tradeoff_table(report["threshold_curve"], report["threshold"]))
    if report["same_as_training_data"]:
        console.print(
            "[yellow]LABELED is the model's training data: its fitted score would be "
            "optimistic, so only cross-validated scores are shown for it[/]"
        )
    elif report["fitted_model"]:
        console.print(
            _metrics_table(
                "fitted model on this file (not its training data)", report["fitted_model"]
            )
        )


@app.command()
def label(
    out: Annotated[
        Path,
        typer.Argument(help="File to write: .csv (UTF-8 with BOM) or .xlsx.", dir_okay=False),
    ],
    db: DbOption = DEFAULT_DB_PATH,
    below: Annotated[
        float,
        typer.Option(
            "--below", min=0.0, max=1.0, help="Also export model decisions below this confidence."
        ),
    ] = 0.6,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many templates.")
    ] = 200,
) -> None:
    """Export the largest `unknown` and low-confidence templates (template_id, events, example
    message, current guess, runner-up, empty `label` column) for an analyst to fill in; then
    `opsrca train LABELED --add OUT` learns from it and re-decides them.

    Example: opsrca label to_label.xlsx --below 0.7
    """
    from opsrca import store
    from opsrca.classify.labeling import export_for_labeling

    if not db.exists():
        raise typer.BadParameter(
            f"database {str(db)!r} does not exist; run `opsrca analyze PATH` first",
            param_hint="--db",
        )
    con = store.connect(db)
    try:
        rows = export_for_labeling(con, out, below=below, limit=limit)
    finally:
        con.close()
    events = int(rows["events"].sum()) if rows.height else 0
    console.print(
        f"{rows.height} templates ({events:,} events) written to {out}; fill in `label` with "
        "taxonomy ids, then run `opsrca train LABELED --add "
        f"{out.name}`"
    )


@app.command()
def classify(
    input_path: Annotated[
        Path | None,
        typer.Argument(
            metavar="[INPUT]",
            help="CSV / Parquet / JSONL with a `message` column. Omit to classify the database.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="OUT file: .csv (UTF-8 with BOM) or .parquet.", dir_okay=False
        ),
    ] = None,
    model: ModelOption = None,
    db: DbOption = DEFAULT_DB_PATH,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold", min=0.0, max=1.0, help="Abstain threshold (default: the model's)."
        ),
    ] = None,
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang", help="Language of the `fix` column (default: the `lang` setting, else zh)."
        ),
    ] = None,
    redecide_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Database: decide every template again, not only new or undecided ones.",
        ),
    ] = False,
) -> None:
    """Classify error messages into root causes with the fix. With INPUT, writes every input
        column plus template, root_cause, confidence, method, rule_id, evidence, root_cause_2,
        confidence_2 (the runner-up), retryable, fix (in
        --lang) and the fix in the other language to --output; without INPUT, classifies the failed
        events in the database: each template (table templates) is decided once per model version,
    so a rerun decides only new templates. Never changes a model.

        Example: opsrca classify errors.csv --output classified.csv --lang en
    """
    from opsrca.classify import classify_file, decide_templates, root_cause_counts
    from opsrca.settings import load_settings

    lang = lang or Lang(load_settings(db).lang)
    if input_path is not None:
        if output is None:
            raise typer.BadParameter("--output is required with INPUT", param_hint="--output")
        counts = classify_file(
            input_path, output, model_dir=model, threshold=threshold, lang=lang.value, db=db
        )
        where = f"written to {output}"
    else:
        from opsrca import store

        if output is not None:
            raise typer.BadParameter(
                "--output needs an INPUT file; without INPUT results are stored in the database",
                param_hint="--output",
            )

        if not db.exists():
            raise typer.BadParameter(
                f"database {str(db)!r} does not exist; run `opsrca ingest PATH` first",
                param_hint="--db",
            )
        con = store.connect(db)
        try:
            run = decide_templates(
                con,
                model_dir=model,
                threshold=threshold,
                redecide_all=redecide_all,
                progress=console.is_terminal,
            )
            counts = root_cause_counts(con)
        finally:
            con.close()
        where = (
            f"{run.templates_decided:,} of {run.templates_total:,} templates decided "
            f"({run.templates_added:,} new) with {run.model_version}; stored in {db} "
            "(tables templates, views classifications and events_classified)"
        )
        if model is not None:
            model_hint(model, db)
    _print_counts(counts, lang.value)
    console.print(
        f"{int(counts['events'].sum()) if counts.height else 0} events classified; {where}"
    )


def _print_counts(counts: pl.DataFrame, lang: str) -> None:
    table = Table(title="events by root cause")
    table.add_column("root cause")
    table.add_column("events", justify="right")
    table.add_column("fix")
    for row in counts.iter_rows(named=True):
        table.add_row(row["root_cause"], str(row["events"]), row[f"fix_{lang}"] or "")
    console.print(table)
