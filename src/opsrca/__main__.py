"""``python -m opsrca``: the same CLI as the ``opsrca`` console script."""

from opsrca.cli import main

main()
