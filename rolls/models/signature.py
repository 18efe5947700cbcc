from __future__ import annotations

from django.db import models


class SetSignature(models.Model):
    """The signed manifest of a published set: the exact bytes that were signed, the
    commission's Ed25519 signature over them and the public key that checks it.

    Written once, in the transaction that publishes the run, and never changed: the key
    is kept with it, so a set signed before the commission's key was rotated still checks
    (and still names the key observers must use)."""

    run = models.OneToOneField("rolls.Run", on_delete=models.PROTECT, related_name="set_signature")
    # Canonical JSON (rolls.signed_sets.canonical_bytes), kept as its UTF-8 text.
    manifest = models.TextField()
    signature = models.BinaryField(max_length=64)
    public_key = models.BinaryField(max_length=32, help_text="The raw 32-byte Ed25519 key.")
    key_fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the public key.")
    signed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"signature of run {self.run_id} by key {self.key_fingerprint[:16]}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("A set's signature is a record: it is never changed")
        super().save(*args, **kwargs)

    @property
    def signed_bytes(self) -> bytes:
        return self.manifest.encode("utf-8")
