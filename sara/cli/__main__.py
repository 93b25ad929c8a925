"""``python -m sara.cli``: the same as the ``sara`` command."""

from sara.cli import main

main()
