"""Serving an ASGI app with uvicorn on 127.0.0.1, in a background thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve `app` for the length of the block; yields its base URL.

    The socket listens before the server thread starts, so a request made at once waits in the
    backlog instead of failing: there is nothing to wait for.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    host, port = listener.getsockname()
    config = uvicorn.Config(app, lifespan="off", log_config=None, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="uvicorn")
    thread.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join()
        listener.close()
