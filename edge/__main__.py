"""Run the `edge` CLI with `python -m edge`."""

from edge.cli import main

main()
