"""Signed roll sets: the manifest a publication signs, and the check anyone can run on a
downloaded set with nothing but its files and the commission's public key.

Publishing a run signs its manifest (every file's name and SHA-256, the run, its purpose and
split fingerprints, the election, the publication time) with the commission's Ed25519 key.
The signed bytes are the manifest as canonical JSON (keys sorted, no spaces, UTF-8), so the
same manifest always gives the same bytes. A published set's zip holds them as
``signed-manifest.json`` with the raw 64-byte signature beside it (``signed-manifest.sig``):
``openssl pkeyutl -verify -pubin -inkey KEY.pem -rawin -in signed-manifest.json -sigfile
signed-manifest.sig`` checks the signature without this project at all.

This module needs the standard library and ``cryptography`` only (no Django, no database),
so an observer can check a set on a machine of their own::

    python -m rolls.signed_sets SET.zip --public-key commission.pem     (in the project)
    python signed_sets.py SET_FOLDER --public-key commission.pem        (this file alone)

``manage.py verify_set`` runs the same check. The key is always the one given: never a key
found inside the set, which whoever altered the set could have replaced.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "roll-set-manifest/1"
SIGNED_MANIFEST = "signed-manifest.json"
SIGNATURE = "signed-manifest.sig"
KEY_FINGERPRINT = "signing-key-fingerprint.txt"
PUBLIC_KEY = "signing-key.pem"
VERIFY_NOTE = "VERIFY.txt"
# What a set holds besides its documents: records about the set, which the signed manifest
# does not list (manifest.csv and .json are the run's own manifest, unsigned).
RECORD_FILES = frozenset(
    {"manifest.csv", "manifest.json", SIGNED_MANIFEST, SIGNATURE, KEY_FINGERPRINT, PUBLIC_KEY}
    | {VERIFY_NOTE}
)
DOCUMENT_SUFFIX = ".pdf"
CHUNK = 1024 * 1024
# The largest manifest, signature or fingerprint file read whole: a 1M-voter set's manifest
# is a few MB. A bigger one (a hostile zip's bomb) is refused, never read into memory.
MAX_RECORD_BYTES = 64 * 1024 * 1024
# A byte changed in the zip itself, without the entry's checksum made again to match.
CHANGED_IN_ZIP = "changed: its bytes no longer match even the zip's own CRC-32 for it"
HEX_FINGERPRINT = re.compile(r"[0-9a-fA-F]{64}")
# The DER header of an Ed25519 public key (RFC 8410): what a PEM's base64 body starts with.
SPKI_ED25519 = bytes.fromhex("302a300506032b6570032100")


class SigningKeyError(ValueError):
    """A key that cannot be used: the message says which and why."""


class UnreadableSet(ValueError):
    """The path given is neither a folder nor a zip."""


# --- keys and signatures -------------------------------------------------------------------


def canonical_bytes(document: dict) -> bytes:
    """The one byte string a manifest is signed as: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, in hex: what staff read out to observers."""
    return hashlib.sha256(raw_public_bytes(public_key)).hexdigest()


def grouped(fingerprint: str) -> str:
    """``3f9a 1b2c ...``: a fingerprint in groups of four, easier to compare by eye."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_base64(public_key: Ed25519PublicKey) -> str:
    return base64.b64encode(raw_public_bytes(public_key)).decode("ascii")


def private_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key_from_pem(pem: str | bytes, *, source: str) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``pem`` (unencrypted PKCS#8), or SigningKeyError naming
    ``source`` (never quoting the key)."""
    data = pem.encode("utf-8") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        reason = "it is encrypted" if "password" in str(exc).lower() else "it is not a PEM key"
        raise SigningKeyError(
            f"{source} cannot be read as an unencrypted Ed25519 private key ({reason})"
        ) from None
    except Exception:  # unsupported algorithms raise their own exception types
        raise SigningKeyError(f"{source} is not an Ed25519 private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{source} is a {type(key).__name__}, not an Ed25519 private key")
    return key


def public_key_from_text(text: str, *, source: str) -> Ed25519PublicKey:
    """An Ed25519 public key given as PEM or as the base64 of its 32 raw bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii", "replace"))
        except Exception:
            raise SigningKeyError(f"{source} is not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError(f"{source} is a {type(key).__name__}, not an Ed25519 key")
        return key
    if HEX_FINGERPRINT.fullmatch(text.replace(" ", "").replace(":", "")):
        raise SigningKeyError(
            f"{source} looks like a key fingerprint: a fingerprint names a key but cannot check "
            "a signature. Give the public key itself (its PEM file, or its base64)"
        )
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) == len(SPKI_ED25519) + 32 and raw.startswith(SPKI_ED25519):
        raw = raw[len(SPKI_ED25519) :]  # the body of the PEM, pasted without its lines
    if len(raw) != 32:
        raise SigningKeyError(
            f"{source} is neither a PEM public key nor the base64 of a 32-byte Ed25519 key"
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_argument(argument: str) -> Ed25519PublicKey:
    """``--public-key``: a file (PEM, or base64 of the raw key), or the base64 itself."""
    path = Path(argument)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):  # a name too long for a path: a key given inline
        is_file = False
    if is_file:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SigningKeyError(f"cannot read the public key file {argument}: {exc}") from None
        return public_key_from_text(text, source=f"the file {argument}")
    return public_key_from_text(argument, source=f"--public-key {argument!r} (no such file)")


def manifest_sign(private_key: Ed25519PrivateKey, document: dict) -> tuple[bytes, bytes]:
    """The manifest's canonical bytes and their Ed25519 signature (64 bytes)."""
    signed = canonical_bytes(document)
    return signed, private_key.sign(signed)


# --- reading a downloaded set: a zip or a folder ---------------------------------------------


class SetFiles:
    """The files of a set, named relative to the folder that holds its signed manifest."""

    names: list[str]  # every file, relative to that folder ("../x" for files outside it)
    duplicates: list[str]

    def open(self, name: str) -> BinaryIO:
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        """The whole of a record file, at most MAX_RECORD_BYTES (else RecordTooLarge)."""
        with self.open(name) as handle:
            data = handle.read(MAX_RECORD_BYTES + 1)
        if len(data) > MAX_RECORD_BYTES:
            raise RecordTooLarge(f"{name}: larger than {MAX_RECORD_BYTES} bytes: not a record")
        return data


class RecordTooLarge(ValueError):
    """A manifest or signature file too large to be one (read no further)."""


def _relative(name: str, base: str) -> str:
    return name[len(base) + 1 :] if base and name.startswith(base + "/") else name


class ZipSet(SetFiles):
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        entries = [info.filename for info in archive.infolist() if not info.is_dir()]
        self.duplicates = sorted(name for name, n in Counter(entries).items() if n > 1)
        manifests = sorted(
            name
            for name in entries
            if PurePosixPath(name).name == SIGNED_MANIFEST and name.count("/") <= 1
        )
        self.base = str(PurePosixPath(manifests[0]).parent) if manifests else ""
        self.base = "" if self.base == "." else self.base
        self.names = [
            _relative(name, self.base)
            if name.startswith(f"{self.base}/") or not self.base
            # Outside the set's folder: named so that it never matches a listed file.
            else f"../{name}"
            for name in entries
        ]

    def open(self, name: str) -> BinaryIO:
        return self.archive.open(f"{self.base}/{name}" if self.base else name)


class FolderSet(SetFiles):
    def __init__(self, folder: Path) -> None:
        if not (folder / SIGNED_MANIFEST).is_file():
            inside = sorted(p.parent for p in folder.glob(f"*/{SIGNED_MANIFEST}") if p.is_file())
            if len(inside) == 1:  # the folder a zip was extracted into
                folder = inside[0]
        self.folder = folder
        self.duplicates = []
        # Listed only for a set: a folder without one (a home folder given by mistake) is
        # reported at once, not walked.
        self.names = (
            sorted(
                path.relative_to(folder).as_posix()
                for path in folder.rglob("*")
                if path.is_file() or path.is_symlink()
            )
            if (folder / SIGNED_MANIFEST).is_file()
            else []
        )

    def open(self, name: str) -> BinaryIO:
        path = self.folder / name
        if path.is_symlink():  # a set's files are files: a link could lead anywhere
            raise FileNotFoundError(name)
        return path.open("rb")


@contextmanager
def opened_set(location: Path) -> Iterator[SetFiles]:
    if location.is_dir():
        yield FolderSet(location)
        return
    try:
        archive = zipfile.ZipFile(location)
    except zipfile.BadZipFile:
        raise UnreadableSet(f"{location} is neither a folder nor a zip file") from None
    with archive:
        yield ZipSet(archive)


# --- the check ----------------------------------------------------------------------------------


@dataclass
class SetCheck:
    """What was checked (``checked``), what is wrong (``failures``, each naming its file),
    and what was set aside (``notes``)."""

    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _sha256(handle: BinaryIO) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _safe_name(name: object) -> bool:
    if not isinstance(name, str) or not name or "\\" in name or name.startswith("/"):
        return False
    return ".." not in PurePosixPath(name).parts


def set_check(location: Path, public_key: Ed25519PublicKey) -> SetCheck:
    """Check the set at ``location`` (its zip, or the folder it was extracted into)."""
    result = SetCheck()
    given = key_fingerprint(public_key)
    with opened_set(location) as files:
        for name in files.duplicates:
            result.failures.append(f"{name}: in the zip more than once (which copy is the set's?)")
        if SIGNED_MANIFEST not in files.names:
            result.failures.append(
                f"{SIGNED_MANIFEST}: not found, so nothing here is signed (only a published "
                "set's whole zip holds it)"
            )
            return result
        try:
            signed = files.read(SIGNED_MANIFEST)
        except zipfile.BadZipFile:
            result.failures.append(f"{SIGNED_MANIFEST}: {CHANGED_IN_ZIP}")
            return result
        except RecordTooLarge as error:
            result.failures.append(str(error))
            return result
        try:
            signature = files.read(SIGNATURE)
        except (KeyError, FileNotFoundError):
            result.failures.append(f"{SIGNATURE}: missing: the signed manifest cannot be checked")
            return result
        except zipfile.BadZipFile:
            result.failures.append(f"{SIGNATURE}: {CHANGED_IN_ZIP}")
            return result
        except RecordTooLarge as error:
            result.failures.append(str(error))
            return result
        try:
            public_key.verify(signature, signed)
        except InvalidSignature:
            claimed, words = "", []
            if KEY_FINGERPRINT in files.names:  # not trusted: only to help find the right key
                with suppress(RecordTooLarge, zipfile.BadZipFile):
                    words = files.read(KEY_FINGERPRINT).decode("utf-8", "replace").split()
                claimed = f"; the set says it was signed by {words[0]}" if words else ""
            result.failures.append(
                f"{SIGNED_MANIFEST}: the signature does not match: the manifest was changed, "
                f"or it was not signed with the key given (fingerprint {grouped(given)}{claimed})"
            )
            return result
        result.checked.append(f"{SIGNED_MANIFEST}: signature valid for the key {grouped(given)}")
        _check_files(json.loads(signed.decode("utf-8")), files, result)
    return result


def _check_files(manifest: dict, files: SetFiles, result: SetCheck) -> None:
    if manifest.get("format") != FORMAT:
        result.failures.append(f"{SIGNED_MANIFEST}: unknown format {manifest.get('format')!r}")
        return
    run, election = manifest["run"], manifest["election"]
    result.checked.append(
        f"set: {election['name']}, run {run['id']} ({run['purpose']}), published "
        f"{manifest['published_at']}, {len(manifest['centers'])} centers"
    )
    listed = set()
    good = 0
    present = set(files.names)
    for entry in manifest["files"]:
        name = entry["name"]
        listed.add(name)
        if not _safe_name(name):
            result.failures.append(f"{name!r}: not a plain file name inside the set")
        elif name not in present:
            result.failures.append(f"{name}: missing (listed in the signed manifest)")
        else:
            try:
                with files.open(name) as handle:
                    digest, size = _sha256(handle)
            except zipfile.BadZipFile:
                result.failures.append(f"{name}: {CHANGED_IN_ZIP}")
                continue
            except (OSError, KeyError) as exc:
                result.failures.append(f"{name}: cannot be read ({exc})")
                continue
            if digest != entry["sha256"] or size != entry["bytes"]:
                result.failures.append(
                    f"{name}: changed: SHA-256 {digest} ({size} bytes), signed as "
                    f"{entry['sha256']} ({entry['bytes']} bytes)"
                )
            else:
                good += 1
    result.checked.append(
        f"files: {good} of {len(manifest['files'])} listed present with their SHA-256"
    )
    for name in sorted(present - listed):
        if name.lower().endswith(DOCUMENT_SUFFIX):
            result.failures.append(f"{name}: a PDF the signed manifest does not list")
        elif name not in RECORD_FILES:
            result.notes.append(f"{name}: not part of the set (ignored)")


def report_lines(location: Path, check: SetCheck) -> Iterator[str]:
    yield f"Checked {location}"
    yield from (f"  ok    {line}" for line in check.checked)
    yield from (f"  note  {line}" for line in check.notes)
    yield from (f"  FAIL  {line}" for line in check.failures)
    if check.ok:
        yield "VERIFIED: every file is the one the commission signed, and none is missing."
    else:
        problems = len(check.failures)
        yield f"NOT VERIFIED: {problems} problem{'' if problems == 1 else 's'}."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="verify_set",
        description="Check a downloaded roll set against the commission's public key.",
    )
    parser.add_argument("location", help="the set's zip, or the folder it was extracted into")
    parser.add_argument(
        "--public-key",
        required=True,
        help="the commission's public key: its PEM file, or the base64 of its 32 bytes",
    )
    options = parser.parse_args(argv)
    try:
        check = set_check(Path(options.location), public_key_argument(options.public_key))
    except (SigningKeyError, UnreadableSet, OSError) as exc:
        print(f"verify_set: {exc}", file=sys.stderr)
        return 2
    for line in report_lines(Path(options.location), check):
        print(line)
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
