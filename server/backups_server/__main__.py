import sys

from backups_server.cli import main

sys.exit(main())
