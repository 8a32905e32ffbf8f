"""The model (sklearn manners, abstain threshold) and its folder (data files + manifest)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from opsrca.classify.model import RootCauseModel
from opsrca.classify.persist import LoadedModel, load_model
from opsrca.errors import ModelError

DOCS = [
    "令牌过期 __status_401__",
    "access_token expired __status_401__",
    "库存为<NUM>",
    "stock is zero",
]
LABELS = [
    "auth.token_expired",
    "auth.token_expired",
    "inventory.stock_unavailable",
    "inventory.stock_unavailable",
]


def test_init_only_stores_parameters() -> None:
    model = RootCauseModel(char_ngrams=False, C=3.0, threshold=0.4)
    assert model.get_params() == {
        "char_ngrams": False,
        "C": 3.0,
        "threshold": 0.4,
        "random_state": 0,
    }
    assert not hasattr(model, "pipeline_")


def test_predict_before_fit_raises() -> None:
    with pytest.raises(NotFittedError):
        RootCauseModel().predict(["x"])


@pytest.mark.parametrize(("param", "value"), [("threshold", 1.5), ("C", 0.0)])
def test_bad_parameters_raise_value_error(param: str, value: float) -> None:
    with pytest.raises(ValueError, match=repr(value)):
        RootCauseModel(**{param: value}).fit(DOCS, LABELS)


def test_fit_predict_and_evidence_terms() -> None:
    model = RootCauseModel(char_ngrams=False, threshold=0.0).fit(DOCS, LABELS)
    assert list(model.predict(["令牌过期了"])) == ["auth.token_expired"]
    terms = model.top_terms(["令牌过期了 __status_401__"], ["auth.token_expired"])
    assert "令牌" in terms[0]


def test_a_concept_learned_in_one_language_carries_to_another() -> None:
    """Trained on Chinese and English only, a Russian message that names the same idea gets
    that idea's category through the glossary's concept token, and the evidence names the
    concept readably."""
    docs = [
        "主图像素过低",
        "图片格式错误",
        "image too small",
        "库存不足",
        "out of stock",
        "stock is zero",
    ]
    labels = ["media.image_invalid"] * 3 + ["inventory.stock_unavailable"] * 3
    model = RootCauseModel(char_ngrams=False, threshold=0.0).fit(docs, labels)
    assert list(model.predict(["Фото слишком маленькое", "Недостаточно остатков"])) == [
        "media.image_invalid",
        "inventory.stock_unavailable",
    ]
    terms = model.top_terms(["Фото слишком маленькое"], ["media.image_invalid"])
    assert "concept:image" in terms[0] and "__c_" not in terms[0]


def test_training_is_deterministic() -> None:
    a = RootCauseModel().fit(DOCS, LABELS).predict_proba(DOCS)
    b = RootCauseModel().fit(DOCS, LABELS).predict_proba(DOCS)
    assert np.array_equal(a, b)


def test_gibberish_abstains_to_unknown(small_model: LoadedModel) -> None:
    model = small_model.model
    assert list(model.predict(["zxqv plorbitz wubble"])) == ["unknown"]


def test_round_trip(small_model_dir: Path, small_model: LoadedModel) -> None:
    again = load_model(small_model_dir)
    docs = ["access_token expired __status_401__", "运费模板不存在"]
    assert np.allclose(again.model.predict_proba(docs), small_model.model.predict_proba(docs))
    manifest = json.loads((small_model_dir / "manifest.json").read_text(encoding="utf-8"))
    for key in (
        "labels",
        "threshold",
        "data_sha256",
        "rules_sha256",
        "kb_sha256",
        "tokenizer_sha256",
        "metrics",
        "versions",
        "created_at",
    ):
        assert key in manifest
    assert {"sklearn", "jieba", "numpy", "opsrca"} <= set(manifest["versions"])
    assert "macro_f1" in manifest["metrics"]["grouped_cv"]["hybrid"]
    assert (small_model_dir / "model_card.md").read_text(encoding="utf-8").startswith("# opsrca")


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "m"
    shutil.copytree(src, dst)
    return dst


def test_missing_model_names_the_rebuild_command(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=re.escape("opsrca train data/samples/labeled_errors.csv")):
        load_model(tmp_path / "nowhere")


def test_corrupted_manifest(small_model_dir: Path, tmp_path: Path) -> None:
    folder = _copy(small_model_dir, tmp_path)
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="corrupted"):
        load_model(folder)


def test_corrupted_model_file(small_model_dir: Path, tmp_path: Path) -> None:
    folder = _copy(small_model_dir, tmp_path)
    (folder / "model.npz").write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(ModelError, match="do not match their manifest"):
        load_model(folder)


def test_missing_model_file(small_model_dir: Path, tmp_path: Path) -> None:
    folder = _copy(small_model_dir, tmp_path)
    (folder / "model.npz").unlink()
    with pytest.raises(ModelError, match="cannot read model files"):
        load_model(folder)


@pytest.mark.parametrize(("lib", "version"), [("sklearn", "0.24.2"), ("opsrca", "9.9.0")])
def test_version_mismatch(small_model_dir: Path, tmp_path: Path, lib: str, version: str) -> None:
    folder = _copy(small_model_dir, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["versions"][lib] = version
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match=f"trained with {lib}"):
        load_model(folder)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("threshold", "high", "threshold must be a number"),
        ("threshold", 7, "threshold must be a number"),
        ("versions", ["sklearn"], "'versions' is not an object"),
        ("format_version", 1, "has format 1"),
    ],
)
def test_bad_manifest_values_are_one_line_errors(
    small_model_dir: Path, tmp_path: Path, key: str, value: object, message: str
) -> None:
    folder = _copy(small_model_dir, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest[key] = value
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        load_model(folder)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"0123456789abcdef": "auth.token_expired"}, None),
        ({"0123456789abcdef": "not.a.category"}, "are not categories of the model"),
        ({"0123456789abcdef": 3}, "analyst_labels must map"),
        (["auth.token_expired"], "analyst_labels must map"),
    ],
)
def test_analyst_labels_round_trip_and_are_checked(
    small_model: LoadedModel, tmp_path: Path, labels: object, message: str | None
) -> None:
    from opsrca.classify.persist import save_model

    folder = tmp_path / "m"
    save_model(small_model.model, folder, {"threshold": 0.5}, analyst_labels={"x" * 16: "unknown"})
    state = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert state["analyst_labels"] == {"x" * 16: "unknown"}
    state["analyst_labels"] = labels
    body = json.dumps(state).encode()
    (folder / "model.json").write_bytes(body)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    from opsrca.classify.persist import _sha256

    manifest["model_sha256"] = _sha256(body, (folder / "model.npz").read_bytes())
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if message is None:
        assert load_model(folder).analyst_labels == labels
    else:
        with pytest.raises(ModelError, match=message):
            load_model(folder)
