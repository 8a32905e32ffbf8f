"""``spark-submit`` runs the job with ``opsrca/spark/__main__.py`` as the application, as the
README's cluster example does (here with a local[2] master and one small export)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from opsrca.ingest import read_file
from opsrca.paths import SAMPLE_DUMP_DIR

pytestmark = pytest.mark.slow


def test_spark_submit_runs_the_app(need_spark: None, tmp_path: Path) -> None:
    import pyspark

    import opsrca.spark

    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    app = Path(opsrca.spark.__file__).parent / "__main__.py"
    export = SAMPLE_DUMP_DIR / "ozon_api_2026-11.jsonl"
    out = tmp_path / "store"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    env.pop("PYSPARK_GATEWAY_PORT", None)  # the test session's gateway is not this run's
    args = ["--master", "local[2]", "--conf", "spark.ui.enabled=false"]
    run = [str(app), "analyze", str(export), "--out", str(out)]
    proc = subprocess.run(
        [str(submit), *args, *run], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "opsrca report --db" in proc.stdout
    events, _rejects = read_file(export)
    written = pl.read_parquet(out / "events" / "*.parquet")
    assert written.height == events.height > 0
    assert written["root_cause"].null_count() == written["template_id"].null_count()
