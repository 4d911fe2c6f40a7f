"""Public request ids: short, stable, and safe to read out on the phone.

Eight characters of Crockford's base32 (no I, L, O or U, so nothing reads as 1, 0 or a
word) shown as two groups of four: "7KQ2-M9XD". Look-ups forgive case, missing
hyphens and the letters people mistake for digits.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_public_id() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def normalize_public_id(text: str) -> str:
    """The canonical form of an id as typed or spoken, e.g. '7kq2 m9xd' -> '7KQ2-M9XD'."""
    chars = "".join(c for c in text.upper() if c.isalnum()).translate(_CONFUSABLE)
    if len(chars) == 8 and all(c in ALPHABET for c in chars):
        return f"{chars[:4]}-{chars[4:]}"
    return text.strip()
