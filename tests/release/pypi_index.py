"""A pypiserver package index on 127.0.0.1 and a port the system picks, for the release tests.

`python -m tests.release.pypi_index PACKAGES HTPASSWD USER` writes the htpasswd file HTPASSWD for USER
and the password in INDEX_PASSWORD, serves the folder PACKAGES, asks for those credentials for uploads
(reading is open, as on PyPI), and prints `listening on URL` once it listens. It never redirects to
another index. (passlib, which pypiserver reads htpasswd files with, imports the deprecated `crypt`
module, so it stays out of the test process.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pypiserver
from passlib.apache import HtpasswdFile

from tests.release.index import LISTENING


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def main() -> None:
    packages, htpasswd, user = sys.argv[1:4]
    passwords = HtpasswdFile(htpasswd, new=True, default_scheme="apr_md5_crypt")
    passwords.set_password(user, os.environ["INDEX_PASSWORD"])
    passwords.save()
    app = pypiserver.app(
        roots=[Path(packages)], password_file=htpasswd, authenticate=["update"], disable_fallback=True
    )
    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    print(f"{LISTENING}http://127.0.0.1:{server.server_port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
