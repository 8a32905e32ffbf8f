"""The bundled model (models/default): loads offline and classifies every taxonomy example."""

from __future__ import annotations

import polars as pl
import pytest

from opsrca.classify import classify_frame, load_taxonomy
from opsrca.classify.persist import LoadedModel, load_model
from opsrca.paths import DEFAULT_MODEL_DIR

EXAMPLES = load_taxonomy().select("id", "examples").explode("examples").drop_nulls()


@pytest.fixture(scope="module")
def bundled() -> LoadedModel:
    return load_model(DEFAULT_MODEL_DIR)


def test_bundled_manifest(bundled: LoadedModel) -> None:
    assert set(bundled.manifest["labels"]) <= set(load_taxonomy()["id"])
    # abstention: the confidence threshold and the gate on the model's own `unknown` class,
    # chosen on the real-world set (unknown on categorized messages <= 3 %)
    assert 0.0 <= bundled.threshold < 1.0
    # (None: the `unknown` class needs the same threshold as the others, a point `make model`
    # may choose)
    assert bundled.unknown_threshold is None or 0.0 < bundled.unknown_threshold <= 1.0
    assert bundled.manifest["realworld_rows"] >= 300
    rw = bundled.manifest["metrics"]["realworld"]
    assert rw["hybrid"]["macro_f1"] > rw["rules"]["macro_f1"]
    assert bundled.manifest["metrics"]["grouped_cv"]["hybrid"]["macro_f1"] > 0.5


def test_bundled_model_was_fitted_on_the_shipped_data(bundled: LoadedModel) -> None:
    """Editing the knowledge base, rules, glossary or jieba dictionary without `make model`
    would ship a model fitted on other data and features than the package holds."""
    from opsrca.classify.training import shipped_data_sha256

    shipped = shipped_data_sha256()
    stale = [key for key, value in shipped.items() if bundled.manifest.get(key) != value]
    assert not stale, f"{stale} changed since the bundled model was built: run `make model`"


def test_refitting_the_shipped_data_reproduces_the_bundled_model(bundled: LoadedModel) -> None:
    """`make model` gives the bundled model back on any machine: the solver runs to the
    optimum, so neither float summation order nor row order moves the answers."""
    from sklearn.base import clone

    from opsrca.classify.datasets import training_data
    from opsrca.paths import SAMPLES_DIR

    rows = training_data(SAMPLES_DIR / "labeled_errors.csv").rows
    shuffled = rows.sample(fraction=1.0, shuffle=True, seed=3)
    refit = clone(bundled.model).fit(shuffled["doc"].to_list(), shuffled["label"].to_list())
    docs = rows["doc"].to_list()
    drift = abs(refit.predict_proba(docs) - bundled.model.predict_proba(docs)).max()
    # Newton-CG stops at tolerance 1e-7 (1e-8 reaches float32 rounding on small data): on the
    # 8,246 shipped rows a shuffled refit moved a probability by 1.0e-4 and no answer.
    assert drift < 5e-4, f"probabilities moved by {drift:.6f}: is the bundled model stale?"
    assert refit.predict(docs).tolist() == bundled.model.predict(docs).tolist()


def test_every_taxonomy_example_classifies_to_its_id(bundled: LoadedModel) -> None:
    out = classify_frame(pl.DataFrame({"message": EXAMPLES["examples"]}), model=bundled)
    wrong = out.with_columns(EXAMPLES["id"].alias("expected")).filter(
        pl.col("root_cause") != pl.col("expected")
    )
    assert wrong.height == 0, wrong.select("message", "expected", "root_cause", "method").rows()


def test_evaluate_other_file_scores_the_fitted_model(small_labeled: object) -> None:
    """On data that is not its training set, evaluate also reports the fitted model's score."""
    from opsrca.classify import evaluate

    report = evaluate(small_labeled, model_dir=DEFAULT_MODEL_DIR)  # type: ignore[arg-type]
    assert report["same_as_training_data"] is False
    fitted = report["fitted_model"]
    assert fitted is not None
    assert fitted["hybrid"]["macro_f1"] >= fitted["rules"]["macro_f1"]
    assert fitted["hybrid"]["macro_f1"] > 0.8


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Поле tracking_number обязательно", "validation.missing_field"),
        ("Поле offer_id обязательно для заполнения", "validation.missing_field"),
        ("Обязательное поле barcode не заполнено", "validation.missing_field"),
        ("Некорректное значение цены: -5", "validation.invalid_value"),
    ],
)
def test_russian_ozon_answers(bundled: LoadedModel, message: str, expected: str) -> None:
    """Ozon answers in Russian; the taxonomy is language-independent (a required field that is
    absent is missing_field, never invalid_value)."""
    out = classify_frame(pl.DataFrame({"message": [message], "platform": ["ozon"]}), model=bundled)
    assert out["root_cause"].item() == expected, out.select("evidence", "root_cause_2").row(0)
