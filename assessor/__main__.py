"""``python -m assessor`` runs the CLI."""

from assessor.cli import main

main()
