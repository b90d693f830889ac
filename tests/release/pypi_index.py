"""A pypiserver package index on 127.0.0.1 and a port the system picks, for the release tests.

`python -m tests.release.pypi_index PACKAGES HTPASSWD` serves the folder PACKAGES, asks for the
credentials of the htpasswd file HTPASSWD for uploads (reading is open, as on PyPI), and prints
`listening on URL` once it listens. It never redirects to another index.
"""

from __future__ import annotations

import sys
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pypiserver

LISTENING = "listening on "


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        return


def main() -> None:
    packages, htpasswd = sys.argv[1:3]
    app = pypiserver.app(
        roots=[Path(packages)], password_file=htpasswd, authenticate=["update"], disable_fallback=True
    )
    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    print(f"{LISTENING}http://127.0.0.1:{server.server_port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
