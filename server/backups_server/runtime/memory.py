"""The allocator's settings, applied at process start.

Backups run on many threads (the store's calls, the check, zstd's workers, boto3's transfers), and
glibc gives each thread that allocates its own arena, up to eight per core: the buffers of bursts of
backups are scattered over them and their free space is never given back, so the resident memory
climbs burst after burst. Two arenas keep it flat, at no measurable cost to the backups.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8
"""mallopt's parameter for the most arenas (malloc.h)."""
ARENAS = 2


def limit_arenas() -> bool:
    """Cap glibc's malloc arenas at ARENAS, as MALLOC_ARENA_MAX would; returns whether it applied
    (not on other C libraries)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    applied = bool(mallopt(M_ARENA_MAX, ARENAS))
    log.debug("malloc arenas limited to %d: %s", ARENAS, applied)
    return applied
