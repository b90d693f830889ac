"""Authenticated encryption of what an encrypted store holds: AES-256-GCM, from `cryptography`.

A sealed value is a random 96-bit nonce, then the ciphertext and its tag. What it is bound to (the
name of the object it belongs in, and its place there) is its associated data: a value moved to
another object or place, or changed by one bit, does not open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD = NONCE_BYTES + TAG_BYTES


class Unauthentic(ValueError):
    """A sealed value that does not open with its key and associated data: damaged, or tampered with."""


def seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def unseal(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    if len(sealed) < OVERHEAD:
        raise Unauthentic("it is shorter than a nonce and a tag")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)
    except InvalidTag:
        raise Unauthentic("it does not authenticate") from None
