"""Password hashes: scrypt from the standard library, stored as `scrypt:n:r:p$salt$hex`.

Threat: a copied users table. Passwords are kept only as salted scrypt digests (the memory-hard
function Werkzeug also defaults to), compared in constant time. The stored format is
Werkzeug's, so accounts made before the use cases stopped importing the web framework sign in
as before (tests/auth/test_passwords.py checks both ways); pbkdf2 hashes in that format are
read too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

_SALT_CHARS = string.ascii_letters + string.digits
COST = (2**15, 8, 1)  # scrypt's n, r, p for new hashes: 32 MiB and about 0.1 s a hash


def hash_password(password: str) -> str:
    """Return a new salted scrypt hash of the password."""
    salt = "".join(secrets.choice(_SALT_CHARS) for _ in range(16))
    n, r, p = COST
    return f"scrypt:{n}:{r}:{p}${salt}${_scrypt(password, salt, n, r, p)}"


def check_password(stored: str, password: str) -> bool:
    """Whether the password matches the stored hash (False for a hash we cannot read)."""
    try:
        method, salt, expected = stored.split("$", 2)
        name, *params = method.split(":")
        if name == "scrypt":
            n, r, p = (int(v) for v in params) if params else (2**15, 8, 1)  # Werkzeug's default
            actual = _scrypt(password, salt, n, r, p)
        elif name == "pbkdf2":
            digest, rounds = (params + ["sha256", "1000000"][len(params) :])[:2]
            actual = hashlib.pbkdf2_hmac(digest, password.encode(), salt.encode(), int(rounds)).hex()
        else:
            return False
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: str, n: int, r: int, p: int) -> str:
    return hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p).hex()
