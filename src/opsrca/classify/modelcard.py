"""The model card: a short markdown page written beside a model from its manifest."""

from __future__ import annotations

from typing import Any

__all__ = ["model_card"]

_METHODS = ("rules", "model", "hybrid")
_SPLITS = (
    ("grouped_cv", "grouped 5-fold CV"),
    ("source_holdout", "leave-one-source-out"),
    ("realworld", "real-world set"),
)


def model_card(manifest: dict[str, Any]) -> str:
    """Version, changelog, data, features, threshold, and CV / held-out source / real-world
    scores side by side with per-category F1 and the coverage/precision trade-off."""
    m = manifest["metrics"]
    cfg = manifest["feature_config"]
    counts = manifest.get("data_counts", {})
    lines = [
        f"# opsrca root-cause model, version {manifest.get('version', 1)}",
        "",
        f"- created: {manifest['created_at']}; data: `{manifest['data_file']}` + knowledge base "
        f"+ analysts' files, {manifest['data_rows']} rows ("
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + ")",
        f"- features: {cfg['name']} (jieba words + stemmed Russian + English words + "
        "`concepts.toml` concept tokens, 1-2 grams"
        f"{' + char_wb 2-4 grams' if cfg['char_ngrams'] else ''}), "
        f"LogisticRegression C={cfg['C']}, class_weight=balanced",
        f"- abstain threshold: {manifest['threshold']}; the model's own `unknown` class needs "
        f"{manifest.get('unknown_threshold') or manifest['threshold']} "
        f"({manifest.get('threshold_rule', '')})",
        _realworld_line(manifest),
        "- rebuild: `make model`",
        "",
        "| split | rules + documented codes | model only | hybrid | hybrid accuracy |",
        "|---|---|---|---|---|",
    ]
    shown = [(k, title) for k, title in _SPLITS if m.get(k)]
    for key, title in shown:
        lines.append(
            f"| {title} macro-F1 | "
            + " | ".join(f"{m[key][x]['macro_f1']:.3f}" for x in _METHODS)
            + f" | {m[key]['hybrid']['accuracy']:.3f} |"
        )
    lines += ["", "Per-category F1 (hybrid):", ""]
    lines.append("| category | " + " | ".join(title for _, title in shown) + " |")
    lines.append("|---|" + "---|" * len(shown))
    categories = sorted({c for key, _ in shown for c in m[key]["hybrid"]["per_class"]})
    for cat in categories:
        cells = []
        for key, _ in shown:
            stats = m[key]["hybrid"]["per_class"].get(cat)
            cells.append(f"{stats['f1']:.2f} ({stats['support']})" if stats else "–")
        lines.append(f"| {cat} | " + " | ".join(cells) + " |")
    curve = m.get("threshold_curve") or []
    if curve and "coverage" in curve[0]:
        lines += [
            "",
            "Coverage / precision trade-off (real-world set, hybrid, at the kept unknown "
            "threshold):",
            "",
            "| threshold | unknown on categorized | precision of the answered | macro-F1 |",
            "|---|---|---|---|",
        ]
        for c in curve:
            mark = " **(kept)**" if c["threshold"] == manifest["threshold"] else ""
            lines.append(
                f"| {c['threshold']:.2f}{mark} | {c['unknown_rate']:.3f} | {c['precision']:.3f} "
                f"| {c['macro_f1']:.3f} |"
            )
    lines += ["", "Feature configs compared:", ""]
    for c in m.get("feature_comparison", []):
        judged = (
            f"real-world hybrid macro-F1 {c['realworld_macro_f1']['hybrid']:.3f}"
            if "realworld_macro_f1" in c
            else f"grouped-CV model-only macro-F1 {c['grouped_cv_model_macro_f1']:.3f}"
        )
        lines.append(f"- {c['config']}: {judged} (threshold {c['threshold']})")
    lines += [
        "",
        "Caveat: the model is refit per fold, the rules (`rules.toml`) and the knowledge base are",
        "not: knowledge-base rows are decided by their own lookup in CV, so rules-only and hybrid",
        "CV scores carry in-sample optimism. Each real-world row is scored by a model that saw",
        "no row of its source (the fitted model, or the source-family folds when it learned "
        "the set).",
        "",
        "## Changelog",
        "",
        *(f"- {line}" for line in manifest.get("changelog", [])),
    ]
    return "\n".join(lines) + "\n"


def _realworld_line(manifest: dict[str, Any]) -> str:
    """How the real-world set was used and scored: a set the model learns is scored by folds."""
    if not manifest.get("realworld_file"):
        return "- real-world set: none given (features and threshold chosen on grouped CV)"
    head = (
        f"- real-world set: `{manifest['realworld_file']}` "
        f"({manifest.get('realworld_rows', 0)} rows; "
    )
    if manifest.get("realworld_learned"):
        return head + (
            "the model learns it too, so it is scored "
            f"{manifest.get('realworld_scoring')}: each source family predicted by a model "
            "fitted without it; those scores chose the features and the threshold)"
        )
    return head + (
        "never trained on; it chose the features and the threshold, so its score carries that "
        "much selection)"
    )
