"""State of the embedded Cognito Identity service.

Only the emulator reads and writes these tables; the console reaches them through
boto3 like any other client (DESIGN.md invariant 1).
"""

from __future__ import annotations

import hashlib

from django.db import models

# A unique-index row holds at most about 2.7 KB on PostgreSQL (a third of a page): a subject
# whose UTF-8 form is longer than this is keyed by its digest instead (IdentityLogin.subject_key).
SUBJECT_KEY_BYTES = 1024
_DIGEST_PREFIX = "sha256:"


def subject_key(subject: str) -> str:
    """What identifies `subject` in IdentityLogin's unique index: itself, or its digest when long.

    A short subject that starts like a digest is digested too, so that no subject can be given
    whose key is another subject's digest.
    """
    encoded = subject.encode("utf-8", "surrogatepass")
    if len(encoded) <= SUBJECT_KEY_BYTES and not subject.startswith(_DIGEST_PREFIX):
        return subject
    return _DIGEST_PREFIX + hashlib.sha256(encoded).hexdigest()


class IdentityPool(models.Model):
    """One identity pool, stored as the `IdentityPool` shape plus roles, maps and tags."""

    pool_id = models.CharField(max_length=55, unique=True)
    region = models.CharField(max_length=32)
    account_id = models.CharField(max_length=12)
    name = models.CharField(max_length=128)
    allow_unauthenticated = models.BooleanField(default=False)
    # Tri-state: None means "never set", which is not the same as False.
    allow_classic_flow = models.BooleanField(null=True, default=None)
    supported_login_providers = models.JSONField(default=dict)
    # NULL, not "", means "never set": the name can be set once and then never changes.
    developer_provider_name = models.CharField(max_length=128, null=True, default=None)  # noqa: DJ001
    openid_connect_provider_arns = models.JSONField(default=list)
    cognito_identity_providers = models.JSONField(default=list)
    saml_provider_arns = models.JSONField(default=list)
    tags = models.JSONField(default=dict)
    # {"authenticated": arn, "unauthenticated": arn}
    roles = models.JSONField(default=dict)
    # {provider: RoleMapping shape}
    role_mappings = models.JSONField(default=dict)
    # {provider: {"UseDefaults": bool, "PrincipalTags": {...}}}
    principal_tag_maps = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["region", "id"], name="emu_pool_region_id")]

    def __str__(self) -> str:
        return f"{self.pool_id} ({self.name})"


class Identity(models.Model):
    """One identity; `id` is the keyset anchor for ListIdentities pagination."""

    identity_id = models.CharField(max_length=55, unique=True)
    pool = models.ForeignKey(IdentityPool, on_delete=models.CASCADE, db_index=False)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()
    # Disabled after losing a merge; still listed unless HideDisabled.
    disabled = models.BooleanField(default=False)
    # The identity that absorbed this one in a merge (sign-in fidelity).
    merged_into = models.CharField(max_length=55, null=True, blank=True, default=None)  # noqa: DJ001
    # Role ARN the last credentials were issued for (shown by the console).
    last_role_arn = models.CharField(max_length=2048, null=True, blank=True, default=None)  # noqa: DJ001

    class Meta:
        indexes = [
            models.Index(fields=["pool", "id"], name="emu_identity_pool_id"),
            models.Index(fields=["pool", "disabled", "id"], name="emu_identity_pool_dis_id"),
        ]

    def __str__(self) -> str:
        return self.identity_id


class IdentityLogin(models.Model):
    """A login linked to an identity: a provider's user, or a developer user identifier.

    `pool` is denormalised so one provider user maps to at most one identity per pool.
    """

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="logins")
    pool = models.ForeignKey(IdentityPool, on_delete=models.CASCADE, db_index=False)
    provider = models.CharField(max_length=2048)
    subject = models.CharField(max_length=2048)
    # subject_key(subject): what the unique index holds and what lookups compare, since the
    # subject itself may be too long in bytes for an index row (developer user ids are kept whole).
    subject_key = models.CharField(max_length=SUBJECT_KEY_BYTES)
    is_developer = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "provider", "subject_key"], name="emu_login_key_unique_per_pool"
            )
        ]
        indexes = [
            models.Index(fields=["identity", "is_developer", "id"], name="emu_login_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject}"


class SigningKey(models.Model):
    """The RSA key pair the service signs its OpenID tokens with (RS256).

    Generated on first use and kept, so tokens stay verifiable across restarts and
    processes; `kid` goes in each token's header so a later rotation can keep old keys.
    """

    name = models.CharField(max_length=32, unique=True)
    kid = models.CharField(max_length=64, unique=True)
    private_key_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.kid})"


class QuotaBucket(models.Model):
    """One token bucket of the simulated request-rate quotas (EMULATOR_QUOTAS).

    A row per account, region and operation, as AWS counts them; every emulator thread and
    process takes its tokens from the same row.
    """

    account_id = models.CharField(max_length=12)
    region = models.CharField(max_length=32)
    operation = models.CharField(max_length=64)
    tokens = models.FloatField()
    # Epoch seconds of the last refill: a float keeps sub-millisecond precision on every database.
    refilled_at = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "region", "operation"], name="emu_quota_bucket_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.region}/{self.operation}: {self.tokens:.2f}"
