"""API tokens: issued once, stored as a hash, revoked but never reused."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from .models import ApiToken

PREFIX = "dl_"
# Writing last_used_at on every request would turn each read into a write.
USE_RECORDED_EVERY = datetime.timedelta(minutes=5)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, user: AbstractBaseUser, name: str, feed_only: bool = False) -> tuple[ApiToken, str]:
    """A new token and its key, which is shown to the user once and never stored. A `feed_only`
    key (a feed key) opens the feeds and nothing else."""
    key = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=_hash(key), feed_only=feed_only)
    return token, key


def token_user(key: str, *, feed: bool = False) -> AbstractBaseUser | None:
    """The active user a key belongs to, or None. A feed key opens a `feed` and nothing else; a
    feed takes nothing but a feed key (feed addresses get written down, in readers and logs)."""
    if not key.startswith(PREFIX) or len(key) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    if token.feed_only != feed:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > USE_RECORDED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
