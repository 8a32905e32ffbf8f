"""``spark-submit``'s entry: ``spark-submit [options] opsrca/spark/__main__.py analyze ...``.

Also ``python -m opsrca.spark analyze ...``. Runs ``opsrca spark ARGS``: the same command,
with the master and resources spark-submit was given.
"""

from __future__ import annotations

import sys


def main() -> None:
    from opsrca.cli import main as cli_main

    sys.argv = [sys.argv[0], "spark", *sys.argv[1:]]
    cli_main()


if __name__ == "__main__":
    main()
