"""A model folder from someone else must never run code when loaded (review finding, critical).

Each case plants a live gadget — a payload that writes a marker file when deserialized the
way a careless loader would — into an otherwise genuine model folder, recomputes every
checksum (the attacker writes the manifest too), and asserts that loading refuses with one
line and that the marker never appears. ``test_gadget_is_live`` proves the payload does run
when unpickled, so the other tests cannot pass by accident.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from opsrca.classify import persist
from opsrca.classify.persist import load_model
from opsrca.cli import app
from opsrca.errors import ModelError
from opsrca.paths import DEFAULT_MODEL_DIR


class _Gadget:
    """Unpickling calls ``os.system`` with a command that creates the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _reseal(folder: Path) -> None:
    """Recompute the manifest checksum, as an attacker who edits the folder would."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["model_sha256"] = persist._sha256(
        (folder / "model.json").read_bytes(), (folder / "model.npz").read_bytes()
    )
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def genuine(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEFAULT_MODEL_DIR, tmp_path / "model"))


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "pwned"


def test_gadget_is_live(marker: Path) -> None:
    pickle.loads(pickle.dumps(_Gadget(marker)))  # what an unpickling loader would do
    assert marker.exists()


def test_object_array_in_npz_is_refused(genuine: Path, marker: Path) -> None:
    with np.load(genuine / "model.npz") as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["coef"] = np.array([_Gadget(marker)], dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=True, **arrays)
    (genuine / "model.npz").write_bytes(buffer.getvalue())
    _reseal(genuine)
    with pytest.raises(ModelError, match="cannot load model"):
        load_model(genuine)
    assert not marker.exists()


def test_stealth_extra_array_is_refused(genuine: Path, marker: Path) -> None:
    """The genuine model plus one extra member holding a pickled gadget."""
    with zipfile.ZipFile(genuine / "model.npz", "a") as archive:
        archive.writestr("gadget.pkl", pickle.dumps(_Gadget(marker)))
    _reseal(genuine)
    with pytest.raises(ModelError, match="unexpected arrays"):
        load_model(genuine)
    assert not marker.exists()


@pytest.mark.parametrize(
    "gadget",
    [
        {"__class__": "runstring", "__module__": "numpy.testing._private.utils"},
        {
            "__class__": "assert_run_python_script_without_output",
            "__module__": "sklearn.utils._testing",
        },
    ],
)
def test_stealth_extra_attribute_is_refused(
    genuine: Path, marker: Path, gadget: dict[str, str]
) -> None:
    """The review's "stealth" folder: the genuine model plus one attribute naming a callable."""
    state = json.loads((genuine / "model.json").read_text(encoding="utf-8"))
    state["extra"] = {**gadget, "content": f"open({str(marker)!r}, 'w')"}
    (genuine / "model.json").write_text(json.dumps(state), encoding="utf-8")
    _reseal(genuine)
    with pytest.raises(ModelError, match="unexpected or missing keys"):
        load_model(genuine)
    assert not marker.exists()


def test_format_1_skops_folder_is_never_opened(genuine: Path, marker: Path) -> None:
    """An old-style folder (skops file naming a gadget) is refused before its file is read."""
    schema = {
        "__class__": "runstring",
        "__module__": "numpy.testing._private.utils",
        "__loader__": "TypeNode",
        "content": f"open({str(marker)!r}, 'w')",
        "protocol": 2,
    }
    with zipfile.ZipFile(genuine / "model.skops", "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    manifest = json.loads((genuine / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(format_version=1, model_file="model.skops")
    (genuine / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match="has format 1"):
        load_model(genuine)
    assert not marker.exists()


def test_loading_never_unpickles(genuine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> object:
        raise AssertionError("the model loader unpickled something")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    assert load_model(genuine).model.classes_.size > 2


@pytest.mark.parametrize("command", ["classify", "analyze"])
def test_commands_refuse_a_tampered_model(
    command: str, genuine: Path, marker: Path, tmp_path: Path
) -> None:
    """End to end: a shared, tampered model stops the command with one line and exit 2."""
    state = json.loads((genuine / "model.json").read_text(encoding="utf-8"))
    state["extra"] = {"__class__": "runstring", "content": f"open({str(marker)!r}, 'w')"}
    (genuine / "model.json").write_text(json.dumps(state), encoding="utf-8")
    _reseal(genuine)
    messages = tmp_path / "m.csv"
    messages.write_text("message\naccess_token expired\n", encoding="utf-8")
    args = {
        "classify": [
            "classify",
            str(messages),
            "--output",
            str(tmp_path / "o.csv"),
            "--model",
            str(genuine),
        ],
        "analyze": [
            "analyze",
            str(messages),
            "--db",
            str(tmp_path / "x.duckdb"),
            "--out",
            str(tmp_path / "out"),
            "--model",
            str(genuine),
        ],
    }[command]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "unexpected or missing keys" in result.output
    assert "Traceback" not in result.output
    assert not marker.exists()
