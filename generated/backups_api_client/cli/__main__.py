"""`python -m backups_api_client.cli`: the command line, where its script is not on PATH."""

from . import main

main()
