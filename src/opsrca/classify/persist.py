"""A saved model is a folder of data: ``model.json``, ``model.npz`` and ``manifest.json``.

Model folders travel between analysts ("here is my retrained model"), so loading one must
never run code. No pickle, no skops, no object graph: ``model.json`` holds the parameters,
the class labels and the vocabularies; ``model.npz`` holds numeric arrays only (idf,
coefficients, intercepts), read with ``allow_pickle=False``. The estimator is rebuilt from
them by ``RootCauseModel.from_state``; every value is checked for type, shape and
finiteness first, and anything unexpected (an extra key, an object array, a non-numeric
threshold) is refused with one line naming it and the command that rebuilds the model.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from opsrca.classify.model import RootCauseModel
from opsrca.errors import ModelError

__all__ = [
    "FORMAT_VERSION",
    "LoadedModel",
    "load_model",
    "read_manifest",
    "save_model",
]

FORMAT_VERSION = 2
STATE_FILE = "model.json"
ARRAYS_FILE = "model.npz"
MANIFEST_FILE = "manifest.json"
REBUILD = (
    "retrain it with `opsrca train data/samples/labeled_errors.csv` "
    "(the bundled model: reinstall opsrca, or `make model` in a checkout)"
)
_PARAMS = {"char_ngrams": bool, "C": (int, float), "threshold": (int, float), "random_state": int}
_MAX_ARRAYS_BYTES = 512 * 1024 * 1024  # far above any real model; a zip bomb stops here


@dataclass(frozen=True)
class LoadedModel:
    """A model with its manifest (threshold, labels, metrics, hashes)."""

    model: RootCauseModel
    manifest: dict[str, Any]
    path: Path

    @property
    def threshold(self) -> float:
        return float(self.manifest.get("threshold", self.model.threshold))

    @property
    def version(self) -> str:
        return f"{self.path.name}@{str(self.manifest.get('model_sha256', ''))[:12]}"


def versions() -> dict[str, str]:
    """Library versions a model depends on (recorded and checked)."""
    import jieba
    import sklearn

    from opsrca import __version__

    return {
        "opsrca": __version__,
        "sklearn": sklearn.__version__,
        "jieba": str(getattr(jieba, "__version__", "unknown")),
        "numpy": np.__version__,
    }


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def save_model(model: RootCauseModel, model_dir: Path | str, manifest: dict[str, Any]) -> Path:
    """Write ``model.json``, ``model.npz`` and ``manifest.json`` into ``model_dir``."""
    folder = Path(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    meta, arrays = model.state()
    state = json.dumps({"format_version": FORMAT_VERSION, **meta}, ensure_ascii=False).encode()
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    blob = buffer.getvalue()
    (folder / STATE_FILE).write_bytes(state)
    (folder / ARRAYS_FILE).write_bytes(blob)
    for stale in ("model.skops",):  # a format-1 file left behind would only confuse
        (folder / stale).unlink(missing_ok=True)
    full = {
        "format_version": FORMAT_VERSION,
        **manifest,
        "versions": versions(),
        "model_files": [STATE_FILE, ARRAYS_FILE],
        "model_sha256": _sha256(state, blob),
    }
    (folder / MANIFEST_FILE).write_text(
        json.dumps(full, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return folder


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(
            f"no model at {str(path.parent)!r} (missing {path.name}); {REBUILD}"
        ) from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{what} {str(path)!r} is corrupted ({exc}); {REBUILD}") from exc


def read_manifest(model_dir: Path | str) -> dict[str, Any]:
    """The manifest of a model folder, checked for format, threshold and library versions."""
    folder = Path(model_dir)
    manifest = _read_json(folder / MANIFEST_FILE, "model manifest")
    if not isinstance(manifest, dict):
        raise ModelError(f"model manifest in {str(folder)!r} is not a JSON object; {REBUILD}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"model {str(folder)!r} has format {manifest.get('format_version')!r}, expected "
            f"{FORMAT_VERSION} (models are stored as data since format 2); {REBUILD}"
        )
    threshold = manifest.get("threshold", 0.5)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not 0.0 <= threshold <= 1.0
    ):
        raise ModelError(
            f"model {str(folder)!r}: threshold must be a number within [0, 1], got {threshold!r}"
        )
    saved = manifest.get("versions")
    if not isinstance(saved, dict):
        raise ModelError(f"model {str(folder)!r}: manifest 'versions' is not an object; {REBUILD}")
    have = versions()
    for lib in ("sklearn", "opsrca"):
        if _minor(str(saved.get(lib, ""))) != _minor(have[lib]):
            raise ModelError(
                f"model {str(folder)!r} was trained with {lib} {saved.get(lib)!r}, "
                f"this is {lib} {have[lib]!r}; {REBUILD}"
            )
    return manifest


def _strings(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings")
    return value


def _check_state(state: object) -> dict[str, Any]:
    """``model.json`` with exactly the expected keys and types (anything else is refused)."""
    if not isinstance(state, dict):
        raise ValueError("model.json is not an object")
    expected = {"format_version", "params", "classes", "terms"}
    if set(state) != expected:
        extra = sorted(set(state) - expected) or sorted(expected - set(state))
        raise ValueError(f"model.json has unexpected or missing keys {extra}")
    params = state["params"]
    if not isinstance(params, dict) or set(params) != set(_PARAMS):
        raise ValueError(f"model.json params must be exactly {sorted(_PARAMS)}")
    for key, kind in _PARAMS.items():
        value = params[key]
        if isinstance(value, bool) is not (kind is bool) or not isinstance(value, kind):
            raise ValueError(f"model.json param {key!r} has the wrong type: {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"model.json param {key!r} is not finite: {value!r}")
    _strings(state["classes"], "classes")
    terms = state["terms"]
    if not isinstance(terms, dict) or "word" not in terms or not set(terms) <= {"word", "char"}:
        raise ValueError("model.json terms must hold 'word' (and optionally 'char')")
    for name, vocabulary in terms.items():
        _strings(vocabulary, f"terms[{name!r}]")
    return state


def _load_arrays(blob: bytes) -> dict[str, np.ndarray]:
    """Numeric arrays of ``model.npz``: no pickle, no object dtype, finite, bounded size."""
    allowed = {"idf_word", "idf_char", "coef", "intercept"}
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        infos = archive.infolist()
        names = {info.filename.removesuffix(".npy") for info in infos}
        if not names <= allowed:
            raise ValueError(f"model.npz holds unexpected arrays {sorted(names - allowed)}")
        if sum(info.file_size for info in infos) > _MAX_ARRAYS_BYTES:
            raise ValueError("model.npz is larger than any model opsrca writes")
    arrays: dict[str, np.ndarray] = {}
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        for name in npz.files:
            array = npz[name]
            if array.dtype.kind != "f" or not np.isfinite(array).all():
                raise ValueError(f"model.npz array {name!r} is not finite floating point")
            arrays[name] = array
    return arrays


def load_model(model_dir: Path | str) -> LoadedModel:
    """Load a model folder: manifest, checksum, then data only (nothing in it can run)."""
    folder = Path(model_dir)
    manifest = read_manifest(folder)
    try:
        state_bytes = (folder / STATE_FILE).read_bytes()
        blob = (folder / ARRAYS_FILE).read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model files in {str(folder)!r}: {exc}; {REBUILD}") from exc
    if _sha256(state_bytes, blob) != manifest.get("model_sha256"):
        raise ModelError(f"model files in {str(folder)!r} do not match their manifest; {REBUILD}")
    try:
        state = _check_state(json.loads(state_bytes.decode("utf-8")))
        if state["format_version"] != FORMAT_VERSION:
            raise ValueError(f"model.json has format {state['format_version']!r}")
        model = RootCauseModel.from_state(state, _load_arrays(blob))
    except (ValueError, KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelError(f"cannot load model in {str(folder)!r}: {exc}; {REBUILD}") from exc
    labels = manifest.get("labels")
    if labels is not None and sorted(map(str, labels)) != sorted(map(str, model.classes_)):
        raise ModelError(
            f"model {str(folder)!r}: manifest labels differ from the model's; {REBUILD}"
        )
    return LoadedModel(model=model, manifest=manifest, path=folder)
