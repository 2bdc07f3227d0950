"""The password-hashing edge: Argon2id through argon2-cffi."""

from __future__ import annotations

import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """Hash and check passwords with the configured Argon2id cost."""

    def __init__(self, time_cost: int = 3, memory_cost: int = 64 * 1024):
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    @cached_property
    def dummy_hash(self) -> str:
        """The hash of a password nobody knows, at the configured cost: what sign-in checks when there is no
        account, so that the answer takes as long as for a real one."""
        return self._hasher.hash(secrets.token_urlsafe(32))
