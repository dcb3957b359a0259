"""Which console user a person at the identity provider is."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProviderAccount(models.Model):
    """The provider's subject (`iss` + `sub`, stable for life) for a console user.

    The username comes from a claim that may change (a renamed person, a new email address);
    the subject does not, so a returning person finds their user by it.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    # The name the token gave at the last sign-in ("Ada Lovelace"), for the audit trail.
    display_name = models.CharField(max_length=200, blank=True)
    last_role = models.CharField(max_length=16, blank=True)
    last_sign_in = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_issuer_subject_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
