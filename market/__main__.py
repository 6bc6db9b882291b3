"""`python -m market`: the same as the `market` command."""

from market.cli import main

main(prog_name="market")
