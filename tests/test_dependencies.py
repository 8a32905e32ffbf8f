"""Every third-party package the code imports is declared in pyproject.toml.

A package that arrives only as another one's dependency (joblib and threadpoolctl come with
scikit-learn) installs today and breaks the day that package drops or bounds it differently;
a user on a clean machine then gets an ImportError. The Spark extra's imports must be declared
in the ``spark`` extra.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "opsrca"


def _imports(files: list[Path]) -> set[str]:
    """Top-level module names imported anywhere in ``files`` (absolute imports only)."""
    names: set[str] = set()
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def _third_party(names: set[str]) -> set[str]:
    return {
        n for n in names if n not in sys.stdlib_module_names and n not in {"opsrca", "__future__"}
    }


def _declared(group: str | None = None) -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {re.split(r"[<>=!~\[; ]", s, maxsplit=1)[0].lower().replace("_", "-") for s in specs}


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    found = packages_distributions()
    return {m: {d.lower().replace("_", "-") for d in found.get(m, [])} for m in modules}


def _undeclared(files: list[Path], declared: set[str]) -> dict[str, set[str]]:
    """Third-party modules ``files`` import whose distributions none of ``declared`` names."""
    found = _distributions(_third_party(_imports(files)))
    return {module: dists for module, dists in found.items() if not dists & declared}


def test_core_imports_are_declared_dependencies() -> None:
    files = [p for p in SRC.rglob("*.py") if "spark" not in p.relative_to(SRC).parts]
    missing = _undeclared(files, _declared())
    assert not missing, f"imported but not in [project] dependencies: {missing}"


def test_spark_imports_are_declared_in_the_spark_extra() -> None:
    files = list((SRC / "spark").rglob("*.py"))
    missing = _undeclared(files, _declared() | _declared("spark"))
    assert not missing, f"imported by opsrca.spark but not declared: {missing}"
