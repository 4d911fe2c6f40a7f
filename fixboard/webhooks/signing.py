"""The signature of a delivery: `Fixboard-Signature: t=<unix time>,v1=<hex>`, where hex
is the HMAC-SHA256, keyed with the subscription's secret, of "<unix time>." + the body
(the scheme Stripe uses). The time lets receivers refuse an old delivery replayed."""

import hashlib
import hmac
import time


def signature(secret: str, body: bytes, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"
