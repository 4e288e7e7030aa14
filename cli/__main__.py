"""`python -m cli` runs the `chainkg` command."""

from cli.main import main

main()
