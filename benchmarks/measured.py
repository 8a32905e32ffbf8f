"""Run a benchmarked command in a child whose peak RSS is its own.

Linux starts a forked child's memory high-water mark at the parent's resident size, and
``exec`` keeps it, so ``os.wait4`` (or ``RUSAGE_CHILDREN``) reports at least the size of the
process that forked the child. A benchmark that has generated a dump, loaded a model or built a
million-row frame would then report its own size as the child's (a 500 MB parent makes
``python -c pass`` peak at 510 MB). The command is therefore forked from a bare interpreter
(about 10 MB) that reports the child's wall time, CPU time and peak RSS on a pipe of its own;
the child's stdout and stderr go where the caller asked, untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_LAUNCHER = """
import json, os, sys, time
fd = int(sys.argv[1])
t0 = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
report = {
    "wall": time.perf_counter() - t0,
    "cpu": usage.ru_utime + usage.ru_stime,
    "peak_kib": usage.ru_maxrss,
    "returncode": os.waitstatus_to_exitcode(status),
}
os.write(fd, json.dumps(report).encode())
"""


@dataclass(frozen=True)
class Measured:
    """One child's own figures, and what it printed (``b""`` where not captured)."""

    wall: float
    cpu: float
    peak_mb: float
    returncode: int
    stdout: bytes
    stderr: bytes


def run_measured(
    args: list[str],
    *,
    cwd: Path | None = None,
    stdout: int | None = subprocess.DEVNULL,
    stderr: int | None = subprocess.PIPE,
    ok: tuple[int, ...] | None = (0,),
) -> Measured:
    """Run ``args`` from a small launcher; its wall and CPU seconds and peak RSS in MB.

    An exit code outside ``ok`` stops the benchmark with the tail of the child's stderr
    (``ok=None`` returns whatever the child exited with)."""
    read_end, write_end = os.pipe()
    try:
        launcher = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(write_end), *args],
            cwd=cwd,
            stdout=stdout,
            stderr=stderr,
            pass_fds=(write_end,),
        )
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        out, err = launcher.communicate()
        raw = pipe.read()
    if launcher.returncode != 0 or not raw:
        tail = (err or b"").decode(errors="replace")[-2000:]
        raise RuntimeError(f"launcher for {' '.join(args[:4])} failed:\n{tail}")
    report = json.loads(raw)
    if ok is not None and report["returncode"] not in ok:
        tail = (err or b"").decode(errors="replace")[-2000:]
        raise SystemExit(f"{' '.join(args[:4])} exited {report['returncode']}:\n{tail}")
    return Measured(
        wall=report["wall"],
        cpu=report["cpu"],
        peak_mb=report["peak_kib"] / 1024,
        returncode=report["returncode"],
        stdout=out or b"",
        stderr=err or b"",
    )
