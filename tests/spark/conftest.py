"""One local[2] Spark session per test module; skipped without Java, except under CI=true."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsrca.generate import write_realistic_dump


def _need_spark() -> None:
    """Skip (locally) or fail (CI=true) when Java or PySpark is missing."""
    missing = None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing = "Java 17 (apt-get install openjdk-17-jre-headless)"
    else:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            missing = "PySpark (pip install -e '.[spark]')"
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"the Spark tests need {missing}; under CI=true they never skip")
    pytest.skip(f"the Spark tests need {missing}")


@pytest.fixture
def need_spark() -> None:
    """Java and PySpark, without starting a session here (for tests that start their own)."""
    _need_spark()


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    _need_spark()
    from opsrca.spark import session

    s = session("local[2]")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def realistic_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 realistic rows (seed 7) plus a TikTok file repeating five of its error_ids."""
    root = tmp_path_factory.mktemp("realistic")
    write_realistic_dump(root, rows=20_000, seed=7)
    dump = root / "realistic"
    (dump / "truth.parquet").unlink()
    tiktok = (dump / "tiktok_ops_errors.csv").read_bytes().split(b"\n")
    (dump / "zz_tiktok_overlap.csv").write_bytes(b"\n".join(tiktok[:6]) + b"\n")
    return dump
