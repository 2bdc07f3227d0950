"""What makes a new login password acceptable: length, variety, and not an obvious guess."""

from __future__ import annotations

import string

MIN_LENGTH = 10
LONG_LENGTH = 14  # a passphrase this long is strong enough without mixing character classes
MAX_LENGTH = 128
MIN_CLASSES = 3

HINT = f"至少{MIN_LENGTH}位，并含小写字母、大写字母、数字、符号中的至少三类（{LONG_LENGTH}位及以上不限）；不能用登录名或常见密码"

# Whole passwords every guessing list starts with, and those people here would reach for first.
COMMON = frozenset(
    {
        "12345678",
        "123456789",
        "1234567890",
        "12345678910",
        "123123123",
        "11111111",
        "00000000",
        "88888888",
        "password",
        "password1",
        "password123",
        "passw0rd",
        "p@ssw0rd",
        "p@ssw0rd123",
        "qwerty",
        "qwertyuiop",
        "qwerty123",
        "1qaz2wsx",
        "1qaz2wsx3edc",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "zaq12wsx",
        "abc123456",
        "abcd1234",
        "a1234567",
        "a123456789",
        "aa123456",
        "iloveyou",
        "woaini1314",
        "admin123",
        "admin@123",
        "admin12345",
        "administrator",
        "welcome1",
        "changeme",
        "letmein",
        "12315",
        "demo12315",
        "test12345",
        "root123456",
    }
)
# A common word with digits or symbols tacked on (Password2026!, Admin@12315) is as weak as the word.
COMMON_STEMS = frozenset(
    {
        "password",
        "passw0rd",
        "p@ssw0rd",
        "qwerty",
        "qwertyuiop",
        "admin",
        "administrator",
        "welcome",
        "iloveyou",
        "woaini",
        "abc",
        "abcd",
        "abcdef",
        "abcdefg",
        "demo",
        "test",
        "root",
        "user",
        "ordos",
        "erdos",
        "eerduosi",
        "changeme",
        "letmein",
    }
)
_TAIL = string.digits + string.punctuation + " "
_RUNS = (
    string.digits * 3,
    string.digits[::-1] * 3,
    string.ascii_lowercase,
    string.ascii_lowercase[::-1],
    "qwertyuiopasdfghjklzxcvbnm",
)


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digit and other characters the password uses."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            # Symbols, and letters without case (汉字): either widens what a guesser has to try.
            any(not (c.islower() or c.isupper() or c.isdigit()) for c in password),
        )
    )


def is_common(password: str) -> bool:
    """True for a password from the common lists, a common word with a tail, or a plain run or repeat."""
    lowered = password.lower()
    if lowered in COMMON or lowered.rstrip(_TAIL) in COMMON_STEMS:
        return True
    return len(set(lowered)) <= 2 or any(lowered in run for run in _RUNS)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is not acceptable, in Chinese, or None when it is."""
    if len(password) > MAX_LENGTH:
        return f"密码不能超过{MAX_LENGTH}位"
    if len(password) < MIN_LENGTH:
        return f"密码至少需要{MIN_LENGTH}位"
    if len(password) < LONG_LENGTH and character_classes(password) < MIN_CLASSES:
        return f"密码少于{LONG_LENGTH}位时，须含小写字母、大写字母、数字、符号中的至少三类"
    name = username.strip().lower()
    # Login names are no secret (colleagues know them): a password built around one is the first guess.
    if name and name in password.lower():
        return "密码不能包含登录名"
    if is_common(password):
        return "密码过于常见，容易被猜中，请换一个"
    return None
