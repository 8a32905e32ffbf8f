"""Would real strings from other sources help unseen sources? A grouped k-fold over the
real-world set's source groups answers it without touching the shipped model.

Each fold fits the kept feature config twice — on the shipped training data (labeled rows and
the knowledge base), and on that data plus the other folds' real-world rows — and scores both,
rules and documented codes included, on the held-out sources. The shipped model never trains on
the real-world set (it is the evaluation); this measures what analysts' own labels can add.

    .venv/bin/python scripts/realworld_source_cv.py [--folds 5] [--last N]

``--last N`` also reports the last N rows of the set alone (the most recently appended batch).
About a minute and a half for five folds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from opsrca import paths
from opsrca.classify.datasets import read_realworld, training_data
from opsrca.classify.persist import load_model
from opsrca.classify.taxonomy import label_ids
from opsrca.classify.training import predict_labeled, score

REALWORLD = Path(__file__).resolve().parents[1] / "data" / "realworld" / "realworld.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--last", type=int, default=0)
    args = parser.parse_args()
    shipped = load_model(paths.DEFAULT_MODEL_DIR)
    rows = training_data(paths.SAMPLES_DIR / "labeled_errors.csv").rows
    rw = read_realworld(REALWORLD)
    base_docs, base_y = rows["doc"].to_list(), rows["label"].to_list()
    docs, y = rw["doc"].to_list(), rw["label"].to_list()
    answers: dict[str, list[str]] = {"without": [""] * rw.height, "with": [""] * rw.height}
    # The shipped data is the same in every fold: its model is fitted once.
    without = clone(shipped.model).fit(base_docs, base_y)
    splits = GroupKFold(n_splits=args.folds).split(docs, y, rw["source"].to_list())
    for k, (train_idx, test_idx) in enumerate(splits):
        held_out = rw[test_idx.tolist()]
        extra_docs = [docs[i] for i in train_idx]
        extra_y = [y[i] for i in train_idx]
        models = {
            "without": without,
            "with": clone(shipped.model).fit(base_docs + extra_docs, base_y + extra_y),
        }
        for name, model in models.items():
            hybrid = predict_labeled(
                held_out,
                model,
                threshold=shipped.threshold,
                unknown_threshold=shipped.unknown_threshold,
            )["hybrid"]
            for i, answer in zip(test_idx, hybrid, strict=True):
                answers[name][i] = answer
        print(f"fold {k + 1}/{args.folds} done", flush=True)
    parts = {"all held-out sources": slice(None)}
    if args.last:
        parts[f"last {args.last} rows"] = slice(rw.height - args.last, None)
    for part, sl in parts.items():
        for name, pred in answers.items():
            s = score(y[sl], pred[sl], label_ids())
            print(
                f"{part}, {name} other sources' real strings: "
                f"macro-F1 {s['macro_f1']:.3f}, accuracy {s['accuracy']:.3f}"
            )


if __name__ == "__main__":
    main()
