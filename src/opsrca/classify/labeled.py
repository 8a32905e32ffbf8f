"""Build the labeled error-message set from the template families in ``opsrca/data/labeled``.

The labeled rows are the classifier's training and evaluation data. They live as templates
(one TOML file per source family) so the wording can be reviewed and extended as data, and are
expanded here with seeded placeholder values (ids, SKUs, timestamps, field names, shop names).
Every row carries its ``group`` (family + template id) so a grouped split keeps near-copies of
one message on the same side.

Run ``python -m opsrca.classify.labeled --out data/samples/labeled_errors.csv --seed 7``.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from opsrca.classify.taxonomy import label_ids
from opsrca.errors import ConfigError
from opsrca.paths import PACKAGE_DATA

LABELED_DIR: Path = PACKAGE_DATA / "labeled"
SLOTS_FILE: str = "_slots.toml"

COLUMNS: tuple[str, ...] = (
    "message",
    "platform",
    "http_status",
    "error_code",
    "sub_code",
    "label",
    "source",
    "group",
)
SCHEMA: dict[str, pl.DataType] = {
    "message": pl.String(),
    "platform": pl.String(),
    "http_status": pl.Int32(),
    "error_code": pl.String(),
    "sub_code": pl.String(),
    "label": pl.String(),
    "source": pl.String(),
    "group": pl.String(),
}

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EPOCH = datetime(2026, 9, 1, tzinfo=UTC)
_SPAN_SECONDS = 90 * 24 * 3600
_MSG = "${msg}"
_TEMPLATE_KEYS = {"g", "label", "platform", "status", "code", "sub", "n", "texts"}

Filler = Callable[[random.Random], str]


def _pattern_filler(pattern: str) -> Filler:
    """``#`` → digit, ``?`` → uppercase letter, ``*`` → lowercase alnum; other chars literal."""

    def fill(rng: random.Random) -> str:
        out = []
        for ch in pattern:
            if ch == "#":
                out.append(rng.choice(string.digits))
            elif ch == "?":
                out.append(rng.choice(string.ascii_uppercase))
            elif ch == "*":
                out.append(rng.choice(string.ascii_lowercase + string.digits))
            else:
                out.append(ch)
        return "".join(out)

    return fill


def _make_filler(name: str, spec: dict[str, Any]) -> Filler:
    """Turn one slot spec of ``_slots.toml`` into a seeded value generator."""
    kind = spec.get("kind")
    if kind == "choice":
        values = [str(v) for v in spec["values"]]
        return lambda rng: rng.choice(values)
    if kind == "int":
        lo, hi = int(spec["lo"]), int(spec["hi"])
        return lambda rng: str(rng.randint(lo, hi))
    if kind == "hex":
        width = int(spec["len"])
        return lambda rng: "".join(rng.choice("0123456789abcdef") for _ in range(width))
    if kind == "pattern":
        return _pattern_filler(str(spec["pattern"]))
    if kind == "time":
        fmt = str(spec["format"])
        return lambda rng: (_EPOCH + timedelta(seconds=rng.randrange(_SPAN_SECONDS))).strftime(fmt)
    if kind == "ip":
        return lambda rng: ".".join(
            str(x) for x in (rng.randint(11, 223), *(rng.randint(0, 255) for _ in range(3)))
        )
    raise ConfigError(
        f"{SLOTS_FILE}: slot {name!r} has unknown kind {kind!r}; "
        "expected choice, int, hex, pattern, time or ip"
    )


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read labeled-data file {path}: {exc}") from exc


def load_slots(data_dir: Path = LABELED_DIR) -> dict[str, Filler]:
    """Placeholder generators by name, from ``_slots.toml``."""
    raw = _load_toml(data_dir / SLOTS_FILE).get("slots", {})
    return {name: _make_filler(name, spec) for name, spec in sorted(raw.items())}


def family_files(data_dir: Path = LABELED_DIR) -> list[Path]:
    """The family files in a fixed order (sorted by name) so builds are reproducible."""
    return sorted(p for p in data_dir.glob("*.toml") if p.name != SLOTS_FILE)


def _check_template(path: Path, idx: int, tpl: dict[str, Any], labels: set[str] | None) -> None:
    where = f"{path.name} template #{idx + 1} (g={tpl.get('g')!r})"
    extra = set(tpl) - _TEMPLATE_KEYS
    if extra:
        raise ConfigError(
            f"{where}: unknown keys {sorted(extra)}; allowed {sorted(_TEMPLATE_KEYS)}"
        )
    for key in ("g", "label", "texts"):
        if not tpl.get(key):
            raise ConfigError(f"{where}: missing {key!r}")
    if labels is not None and tpl["label"] not in labels:
        raise ConfigError(f"{where}: label {tpl['label']!r} is not a taxonomy id")


def _fill(text: str, slots: dict[str, Filler], rng: random.Random, where: str) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in slots:
            raise ConfigError(f"{where}: placeholder ${{{name}}} is not defined in {SLOTS_FILE}")
        return slots[name](rng)

    return _PLACEHOLDER.sub(sub, text)


def build_labeled(*, seed: int = 7, data_dir: Path = LABELED_DIR) -> pl.DataFrame:
    """Expand every template family into labeled rows; the same seed gives the same frame.

    Each text of a template is filled ``n`` times (file default ``fills``, else 2) with fresh
    placeholder values; a text without placeholders is emitted once unless the family declares
    ``wrappers`` (log-line layouts with ``${msg}``), which then wrap every repeat after the first.
    Exact duplicate (message, label) rows are dropped.
    """
    slots = load_slots(data_dir)
    labels = set(label_ids())
    rng = random.Random(seed)
    rows: list[tuple[Any, ...]] = []
    files = family_files(data_dir)
    if not files:
        raise ConfigError(f"no labeled family files (*.toml) found in {data_dir}")
    for path in files:
        family = _load_toml(path)
        source = str(family.get("source") or path.stem)
        default_platform = str(family.get("platform", "other"))
        default_fills = int(family.get("fills", 2))
        wrappers = [str(w) for w in family.get("wrappers", [])]
        if any(_MSG not in w for w in wrappers):
            raise ConfigError(f"{path.name}: every wrapper must contain {_MSG}")
        seen_groups: set[str] = set()
        for idx, tpl in enumerate(family.get("t", [])):
            _check_template(path, idx, tpl, labels)
            group = f"{source}:{tpl['g']}"
            if group in seen_groups:
                raise ConfigError(f"{path.name}: template id g={tpl['g']!r} is used twice")
            seen_groups.add(group)
            status = tpl.get("status")
            code = tpl.get("code")
            sub_code = tpl.get("sub")
            platform = str(tpl.get("platform", default_platform))
            fills = int(tpl.get("n", default_fills))
            where = f"{path.name} g={tpl['g']!r}"
            for text in tpl["texts"]:
                variable = bool(wrappers) or bool(_PLACEHOLDER.search(text))
                for k in range(fills if variable else 1):
                    shown = text
                    if k > 0 and wrappers:
                        shown = rng.choice(wrappers).replace(_MSG, text)
                    rows.append(
                        (
                            _fill(shown, slots, rng, where),
                            platform,
                            None if status is None else int(status),
                            None if code is None else str(code),
                            None if sub_code is None else str(sub_code),
                            str(tpl["label"]),
                            source,
                            group,
                        )
                    )
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    return frame.unique(subset=["message", "label"], keep="first", maintain_order=True)


def write_labeled(path: Path | str, *, seed: int = 7, data_dir: Path = LABELED_DIR) -> Path:
    """Build the labeled set and write it as UTF-8 CSV with BOM (opens cleanly in Excel)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    build_labeled(seed=seed, data_dir=data_dir).write_csv(out, include_bom=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: ``python -m opsrca.classify.labeled --out FILE --seed N``."""
    parser = argparse.ArgumentParser(description="Build the labeled error-message CSV.")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--seed", type=int, default=7, help="placeholder seed (default 7)")
    args = parser.parse_args(argv)
    out = write_labeled(args.out, seed=args.seed)
    frame = pl.read_csv(out, schema_overrides=SCHEMA)
    print(f"wrote {frame.height} rows, {frame['label'].n_unique()} labels to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
