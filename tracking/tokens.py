"""Bearer tokens: issued once, stored as a digest, resolved to an Actor on every request.

A token is 256 random bits, so a SHA-256 digest is enough to store it (nothing to brute-force,
unlike a password) and lets a request be checked with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from graph.errors import InvalidRequest
from tracking.model import AuditEntry, TokenRecord
from tracking.store import TrackingStore
from tracking.workflow import Actor, Role

PREFIX = "ckg_"  # so a leaked token is recognisable (secret scanners, logs)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Issued:
    secret: str  # shown once, never stored
    record: TokenRecord


def issue(
    store: TrackingStore,
    role: Role,
    department_id: str | None,
    label: str,
    by: str,
    now: datetime,
) -> Issued:
    """A new token for `role` (an officer's bound to `department_id`, which the caller has
    checked against the catalog); InvalidRequest for a department on another role, or none
    on an officer."""
    if role == Role.OFFICER and not department_id:
        raise InvalidRequest("department", "an officer token is bound to one department")
    if role != Role.OFFICER and department_id:
        raise InvalidRequest("department", f"a {role.value} token is bound to no department")
    secret = PREFIX + secrets.token_urlsafe(32)
    record = TokenRecord(
        id=secrets.token_hex(4),
        digest=digest(secret),
        role=role,
        department_id=department_id or None,
        label=label,
        created_at=now,
    )
    audit = AuditEntry(
        at=now,
        actor=by,
        action="token.create",
        target=f"token:{record.id}",
        detail={"role": role.value, "department": department_id, "label": label},
    )
    store.add_token(record, audit)
    return Issued(secret, record)


def resolve(store: TrackingStore, secret: str) -> Actor | None:
    """The actor a presented token stands for; None if unknown or revoked."""
    record = store.token_by_digest(digest(secret))
    if record is None or record.revoked_at is not None:
        return None
    if not hmac.compare_digest(record.digest, digest(secret)):
        return None
    return Actor(record.id, record.role, record.department_id)


def revoke(store: TrackingStore, token_id: str, by: str, now: datetime) -> TokenRecord:
    audit = AuditEntry(now, by, "token.revoke", f"token:{token_id}", {})
    return store.revoke_token(token_id, now, audit)
