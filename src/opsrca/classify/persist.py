"""A saved model is a folder: ``model.skops`` (skops, never pickle) and ``manifest.json``.

Loading reads the manifest first (format, versions, checksum) and refuses any type in the
skops file that is not ours or from scikit-learn / numpy / scipy, so a tampered or stale
model fails with a clear message and the command that rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import skops.io as sio

from opsrca.classify.model import RootCauseModel
from opsrca.errors import ModelError

__all__ = [
    "FORMAT_VERSION",
    "LoadedModel",
    "load_model",
    "save_model",
    "trusted_types",
]

FORMAT_VERSION = 1
MODEL_FILE = "model.skops"
MANIFEST_FILE = "manifest.json"
REBUILD = (
    "rebuild it with `opsrca train data/samples/labeled_errors.csv --model models/default` "
    "(or `make model`)"
)
_TRUSTED_PREFIXES = (
    "opsrca.classify.model.",
    "opsrca.classify.tokenize.",
    "sklearn.",
    "numpy.",
    "scipy.",
)


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
    import skops

    from opsrca import __version__

    return {
        "opsrca": __version__,
        "sklearn": sklearn.__version__,
        "jieba": str(getattr(jieba, "__version__", "unknown")),
        "skops": skops.__version__,
    }


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def trusted_types(untrusted: list[str]) -> list[str]:
    """The subset of ``untrusted`` we accept; raises ModelError when anything else is present."""
    refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
    if refused:
        raise ModelError(
            f"model file contains untrusted types {refused}; refusing to load it; {REBUILD}"
        )
    return list(untrusted)


def save_model(model: RootCauseModel, model_dir: Path | str, manifest: dict[str, Any]) -> Path:
    """Write ``model.skops`` and ``manifest.json`` (with the model's sha256) into ``model_dir``."""
    folder = Path(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / MODEL_FILE
    sio.dump(model, target, compression=8)  # ZIP_DEFLATED keeps the bundled model small
    full = {
        "format_version": FORMAT_VERSION,
        **manifest,
        "versions": versions(),
        "model_file": MODEL_FILE,
        "model_sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
    }
    (folder / MANIFEST_FILE).write_text(
        json.dumps(full, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return folder


def read_manifest(model_dir: Path | str) -> dict[str, Any]:
    """The manifest of a model folder, checked for format and library versions."""
    folder = Path(model_dir)
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise ModelError(f"no model at {str(folder)!r} (missing {MANIFEST_FILE}); {REBUILD}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"model manifest {str(path)!r} is corrupted ({exc}); {REBUILD}") from exc
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"model {str(folder)!r} has format {manifest.get('format_version') if isinstance(manifest, dict) else None!r}, "
            f"expected {FORMAT_VERSION}; {REBUILD}"
        )
    have = versions()
    saved = manifest.get("versions", {})
    for lib in ("sklearn", "opsrca"):
        if _minor(str(saved.get(lib, ""))) != _minor(have[lib]):
            raise ModelError(
                f"model {str(folder)!r} was trained with {lib} {saved.get(lib)!r}, "
                f"this is {lib} {have[lib]!r}; {REBUILD}"
            )
    return manifest


def load_model(model_dir: Path | str) -> LoadedModel:
    """Load a model folder: manifest first, then the skops file with an explicit trust list."""
    folder = Path(model_dir)
    manifest = read_manifest(folder)
    target = folder / str(manifest.get("model_file", MODEL_FILE))
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model file {str(target)!r}: {exc}; {REBUILD}") from exc
    if hashlib.sha256(data).hexdigest() != manifest.get("model_sha256"):
        raise ModelError(
            f"model file {str(target)!r} does not match its manifest checksum; {REBUILD}"
        )
    try:
        untrusted = sio.get_untrusted_types(data=data)
        model = sio.loads(data, trusted=trusted_types(untrusted))
    except ModelError:
        raise
    except Exception as exc:  # skops raises many kinds on a damaged archive
        raise ModelError(f"cannot load model file {str(target)!r}: {exc}; {REBUILD}") from exc
    if not isinstance(model, RootCauseModel):
        raise ModelError(
            f"{str(target)!r} holds a {type(model).__name__}, not a RootCauseModel; {REBUILD}"
        )
    return LoadedModel(model=model, manifest=manifest, path=folder)
