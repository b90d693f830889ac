"""The generated client's policy: what it retries, and how long it waits.

The runtime, the docs and the package README read these from here, so they always say the same.
"""

from __future__ import annotations

IDEMPOTENT_METHODS = ("get", "head", "options", "put", "delete", "trace")
"""The methods RFC 9110 defines as idempotent: a request with one of them is safe to repeat."""
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_RECONNECTIONS = 10
"""How many times in all a stream reconnects to resume, at most, by default."""
DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT = 5, 60
"""The client's defaults, in seconds: to connect, then for each read (between two events of a stream)."""
RETRY_STATUSES = (408, 409, 429, 500, 502, 503, 504)
"""The answers after which a request safe to repeat is sent again: they say "not now", not "no"."""
