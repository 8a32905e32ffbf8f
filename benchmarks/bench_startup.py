"""CLI start-up benchmark: wall time of ``opsrca --help`` and ``opsrca COMMAND --help``.

Each is run ``--repeat`` times (default 5) as a fresh process through the installed console
script (the one next to this Python), and the median is printed with the import time of
``opsrca.cli`` alone (``python -c "import opsrca.cli"``). The target is ``opsrca --help``
under 0.5 s: the command modules import polars, duckdb, scikit-learn, jieba and plotly
inside their functions, so help never loads them.

Usage: python benchmarks/bench_startup.py [--repeat N] [--commands analyze,classify,...]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_COMMANDS = "analyze,ingest,classify,train,errors,dupes,config,generate"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _median_seconds(args: list[str], repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys: what a busy machine does not inflate)."""
    walls, cpus = [], []
    env = {**os.environ, "COLUMNS": "100"}
    for _ in range(repeat):
        c0, t0 = _cpu(), time.perf_counter()
        done = subprocess.run(args, capture_output=True, env=env, check=False)
        walls.append(time.perf_counter() - t0)
        cpus.append(_cpu() - c0)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} exited {done.returncode}: {done.stderr[-500:]!r}")
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--commands", default=DEFAULT_COMMANDS)
    args = parser.parse_args()

    script = Path(sys.executable).parent / "opsrca"
    if not script.exists():
        raise SystemExit(f"no opsrca console script next to {sys.executable}; pip install -e .")
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("import opsrca.cli", [sys.executable, "-c", "import opsrca.cli"]),
        ("opsrca --help", [str(script), "--help"]),
    ]
    rows += [(f"opsrca {c} --help", [str(script), c, "--help"]) for c in args.commands.split(",")]
    print(
        f"median of {args.repeat} runs (fresh process each); load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  {'':<28} {'wall':>8} {'cpu':>8}")
    for name, cmd in rows:
        wall, cpu = _median_seconds(cmd, args.repeat)
        flag = "" if not name.startswith("opsrca") or wall < 0.5 else "  (wall over 0.5 s)"
        print(f"  {name:<28} {wall:6.3f} s {cpu:6.3f} s{flag}")


if __name__ == "__main__":
    main()
