"""Signed sets: publishing signs the set's manifest with the commission's key, the zip carries
the signature, and ``verify_set`` checks a downloaded set with nothing but its files and the
public key, naming whatever was changed, removed or added."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.urls import reverse

from rolls import signed_sets
from rolls.models import RollFile, Run, RunCenter, SetSignature
from rolls.services.publication import PublishRefused, run_publish
from rolls.services.signing import SigningKeyUnavailable, commission_key
from rolls.signed_sets import (
    SIGNATURE,
    SIGNED_MANIFEST,
    canonical_bytes,
    grouped,
    key_fingerprint,
    private_key_pem,
    public_key_base64,
    public_key_pem,
)
from tests.support.runs import make_finished_run
from tests.support.users import OBSERVER, make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def commission(settings, tmp_path) -> Ed25519PrivateKey:
    """The commission's key, given as the setting holds it (PEM text, as read from a file)."""
    key = Ed25519PrivateKey.generate()
    settings.ROLL_SET_SIGNING_KEY = private_key_pem(key).decode().rstrip("\n")
    return key


@pytest.fixture
def public_pem(commission, tmp_path) -> Path:
    path = tmp_path / "commission.pem"
    path.write_bytes(public_key_pem(commission.public_key()))
    return path


@pytest.fixture
def published(private_media, election, commission) -> Run:
    return run_publish(run_id=make_finished_run(election).pk, published_by="admin:chief")


@pytest.fixture
def set_zip(staff_client, published, tmp_path) -> Path:
    """The published set's zip, downloaded through the console."""
    response = staff_client.get(reverse("admin:rolls_run_zip", args=[published.pk]))
    assert response.status_code == 200
    path = tmp_path / "set.zip"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def rewritten(
    source: Path, target: Path, *, change=None, remove=(), add=None, compression=zipfile.ZIP_STORED
) -> Path:
    """A copy of the zip ``source`` with entries changed (name -> bytes), removed or added."""
    change, add = change or {}, add or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", compression) as new:
        for info in old.infolist():
            if info.filename in remove:
                continue
            new.writestr(info.filename, change.get(info.filename, old.read(info.filename)))
        for name, content in add.items():
            new.writestr(name, content)
    return target


def one_byte_changed(data: bytes, at: int | None = None) -> bytes:
    at = len(data) // 2 if at is None else at
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def verify(location: Path, key: str) -> str:
    out = io.StringIO()
    call_command("verify_set", str(location), "--public-key", key, stdout=out)
    return out.getvalue()


def refused(location: Path, key: str) -> str:
    """What verify_set printed and the error it ended with."""
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_set", str(location), "--public-key", key, stdout=out)
    return f"{out.getvalue()}\n{failure.value}"


def test_publishing_signs_every_file_the_run_and_the_time_with_the_commission_key(
    published, commission
):
    signed = SetSignature.objects.get(run=published)
    commission.public_key().verify(bytes(signed.signature), signed.signed_bytes)
    manifest = json.loads(signed.signed_bytes)
    assert canonical_bytes(manifest) == signed.signed_bytes  # canonical: one byte string
    assert manifest["run"]["id"] == published.pk and manifest["run"]["purpose"] == "final"
    assert manifest["election"]["name"] == published.election.name
    assert manifest["published_at"] == published.published_at.isoformat()
    assert signed.key_fingerprint == key_fingerprint(commission.public_key())
    assert manifest["signing_key"] == signed.key_fingerprint
    recorded = {
        (roll.sha256, roll.bytes, roll.center.code, roll.station_number, roll.kind)
        for roll in RollFile.objects.filter(run=published).select_related("center")
    }
    listed = {
        (f["sha256"], f["bytes"], f["center"], f["station"], f["document"])
        for f in manifest["files"]
    }
    assert listed == recorded and len(manifest["files"]) == len(recorded)
    assert {(c["code"], c["split_fingerprint"]) for c in manifest["centers"]} == set(
        RunCenter.objects.filter(run=published).values_list("center__code", "fingerprint")
    )
    with pytest.raises(ValueError, match="never changed"):
        signed.save()


def test_verify_set_passes_on_the_published_zip_and_its_extracted_folder(
    set_zip, public_pem, commission, tmp_path, published
):
    with zipfile.ZipFile(set_zip) as archive:
        names = archive.namelist()
        folder = f"{published.election.slug}-run-{published.pk}"
        assert {f"{folder}/{SIGNED_MANIFEST}", f"{folder}/{SIGNATURE}"} <= set(names)
        carried_key = archive.read(f"{folder}/signing-key.pem")
        carried_fingerprint = archive.read(f"{folder}/signing-key-fingerprint.txt").decode()
        archive.extractall(tmp_path / "extracted")
    assert carried_key == public_pem.read_bytes()
    assert carried_fingerprint.strip() == key_fingerprint(commission.public_key())
    pdfs = RollFile.objects.filter(run=published).count()

    out = verify(set_zip, str(public_pem))

    assert f"files: {pdfs} of {pdfs} listed present with their SHA-256" in out
    assert f"run {published.pk} (final)" in out and "VERIFIED" in out
    # The folder it was extracted into, and the key as base64 on the command line.
    assert "VERIFIED" in verify(tmp_path / "extracted", public_key_base64(commission.public_key()))
    pem_body = "".join(public_pem.read_text().splitlines()[1:-1])  # pasted without its lines
    assert "VERIFIED" in verify(set_zip, pem_body)


def test_verify_set_fails_naming_the_file_changed_removed_or_added_or_the_wrong_key(
    set_zip, public_pem, published, tmp_path
):
    folder = f"{published.election.slug}-run-{published.pk}"
    with zipfile.ZipFile(set_zip) as archive:
        pdf = sorted(n for n in archive.namelist() if n.endswith(".pdf"))[1]
        pdf_bytes = archive.read(pdf)
        manifest = archive.read(f"{folder}/{SIGNED_MANIFEST}")
    inside = pdf.split("/", 1)[1]
    key = str(public_pem)

    changed_pdf = rewritten(
        set_zip, tmp_path / "pdf.zip", change={pdf: one_byte_changed(pdf_bytes)}
    )
    assert f"{inside}: changed" in refused(changed_pdf, key)

    # "1" for "2" in the run's id, say: a manifest changed by one byte no longer checks.
    changed_manifest = rewritten(
        set_zip,
        tmp_path / "manifest.zip",
        change={f"{folder}/{SIGNED_MANIFEST}": one_byte_changed(manifest)},
    )
    assert f"{SIGNED_MANIFEST}: the signature does not match" in refused(changed_manifest, key)

    removed = rewritten(set_zip, tmp_path / "removed.zip", remove={pdf})
    assert f"{inside}: missing" in refused(removed, key)

    extra = f"{folder}/{inside.rsplit('/', 1)[0]}/station-099.pdf"
    added = rewritten(set_zip, tmp_path / "added.zip", add={extra: pdf_bytes})
    assert "station-099.pdf: a PDF the signed manifest does not list" in refused(added, key)

    other = Ed25519PrivateKey.generate().public_key()
    message = refused(set_zip, public_key_base64(other))
    assert "signature does not match" in message
    assert grouped(key_fingerprint(other)) in message

    # A fingerprint names a key and cannot check anything: said so, not a crash.
    assert "looks like a key fingerprint" in refused(set_zip, key_fingerprint(other))
    unsigned = rewritten(set_zip, tmp_path / "unsigned.zip", remove={f"{folder}/{SIGNATURE}"})
    assert f"{SIGNATURE}: missing" in refused(unsigned, key)


def test_verify_set_fails_on_the_same_zip_with_one_byte_of_it_changed(
    set_zip, public_pem, published, tmp_path
):
    """A byte flipped in the downloaded file itself, in a PDF's data or the manifest's."""
    raw = set_zip.read_bytes()
    with zipfile.ZipFile(set_zip) as archive:
        entries = sorted(archive.infolist(), key=lambda info: info.header_offset)
        manifest = next(i for i in entries if i.filename.endswith(SIGNED_MANIFEST))
        pdf = [i for i in entries if i.filename.endswith(".pdf")][2]

    def data_offset(info: zipfile.ZipInfo) -> int:
        # The local header: 30 bytes, then the name and the extra field (stored, not deflated).
        name_length = int.from_bytes(
            raw[info.header_offset + 26 : info.header_offset + 28], "little"
        )
        extra_length = int.from_bytes(
            raw[info.header_offset + 28 : info.header_offset + 30], "little"
        )
        return info.header_offset + 30 + name_length + extra_length

    for info in (pdf, manifest):
        damaged = tmp_path / f"damaged-{info.header_offset}.zip"
        damaged.write_bytes(one_byte_changed(raw, data_offset(info) + info.file_size // 2))
        inside = info.filename.split("/", 1)[1]
        assert f"{inside}: changed" in refused(damaged, str(public_pem))


def test_verify_set_needs_no_database_and_the_module_runs_without_django(
    set_zip, public_pem, tmp_path
):
    env = {
        **os.environ,
        # Nothing listens there: any attempt to reach a database fails the command.
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
        "VAR_DIR": str(tmp_path / "var"),
    }
    command = [sys.executable, "manage.py", "verify_set", str(set_zip), "--public-key"]
    done = subprocess.run(
        [*command, str(public_pem)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "VERIFIED" in done.stdout

    # The module alone, as an observer would run it: importing Django would fail here.
    refuse_django = (
        "import sys, runpy\n"
        "class NoDjango:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('django', 'celery', 'config', 'rolls'):\n"
        "            raise ImportError('not available to an observer: ' + name)\n"
        "sys.meta_path.insert(0, NoDjango())\n"
        "sys.argv = sys.argv[1:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )

    def standalone(key: str) -> subprocess.CompletedProcess:
        script = str(ROOT / "rolls/signed_sets.py")
        return subprocess.run(
            [sys.executable, "-I", "-c", refuse_django, script, str(set_zip), "--public-key", key],
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    done = standalone(str(public_pem))
    assert done.returncode == 0, done.stderr
    assert "VERIFIED" in done.stdout
    done = standalone(public_key_base64(Ed25519PrivateKey.generate().public_key()))
    assert done.returncode == 1 and "NOT VERIFIED" in done.stdout


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_alone_checks_the_signature_in_the_zip(set_zip, public_pem, tmp_path):
    with zipfile.ZipFile(set_zip) as archive:
        archive.extractall(tmp_path)
    folder = next(tmp_path.glob(f"*/{SIGNED_MANIFEST}")).parent
    done = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(public_pem), "-rawin",
         "-in", str(folder / SIGNED_MANIFEST), "-sigfile", str(folder / SIGNATURE)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout


def test_a_draft_or_a_centers_zip_carries_no_signature(staff_client, election, published):
    draft = make_finished_run(election)
    center = election.centers.get(code="B")
    for url in (
        reverse("admin:rolls_run_zip", args=[draft.pk]),
        reverse("admin:rolls_run_center_zip", args=[published.pk, center.pk]),
    ):
        content = b"".join(staff_client.get(url).streaming_content)
        names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        assert any(name.endswith(".pdf") for name in names), url
        assert not [name for name in names if SIGNED_MANIFEST in name or SIGNATURE in name], url


def test_publishing_without_a_usable_key_refuses_and_changes_nothing(
    settings, private_media, election, tmp_path, published
):
    draft = make_finished_run(election)
    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    for value, reason in [
        ("", "no signing key is configured: set ROLL_SET_SIGNING_KEY_FILE"),
        ("not a key", "cannot be read as an unencrypted Ed25519 private key"),
        (rsa_pem, "is a RSAPrivateKey, not an Ed25519 private key"),
    ]:
        settings.ROLL_SET_SIGNING_KEY = value
        settings.ROLL_SET_SIGNING_KEY_DEFAULT_FILE = None
        with pytest.raises(PublishRefused, match="could not be signed") as refusal:
            run_publish(run_id=draft.pk, published_by="admin:chief")
        assert reason in str(refusal.value)
        assert "PRIVATE KEY" not in str(refusal.value) and "not a key" not in str(refusal.value)

    draft.refresh_from_db()
    published.refresh_from_db()
    assert not draft.is_published and published.set_status == "official"
    assert not SetSignature.objects.filter(run=draft).exists()


def test_the_embedded_default_makes_one_key_and_logs_only_its_fingerprint(
    settings, tmp_path, caplog
):
    settings.ROLL_SET_SIGNING_KEY = ""
    settings.ROLL_SET_SIGNING_KEY_DEFAULT_FILE = tmp_path / "var" / "signing.pem"
    with caplog.at_level(logging.INFO, logger="rolls.services.signing"):
        first = commission_key()
        second = commission_key()
    assert key_fingerprint(first.public_key()) == key_fingerprint(second.public_key())
    assert (tmp_path / "var" / "signing.pem").stat().st_mode & 0o777 == 0o600
    assert len(caplog.records) == 1
    logged = caplog.records[0].getMessage()
    assert key_fingerprint(first.public_key()) in logged and "PRIVATE" not in logged
    assert not list((tmp_path / "var").glob(".signing-key-*"))  # no temporary file left

    (tmp_path / "not-a-folder").write_text("")
    settings.ROLL_SET_SIGNING_KEY_DEFAULT_FILE = tmp_path / "not-a-folder" / "signing.pem"
    with pytest.raises(SigningKeyUnavailable, match="cannot read or make the signing key"):
        commission_key()


def test_the_election_and_run_pages_show_the_key_and_serve_its_public_half(
    client, published, commission
):
    client.force_login(make_user("watcher", OBSERVER))
    fingerprint = key_fingerprint(commission.public_key())
    grouped = " ".join(fingerprint[i : i + 4] for i in range(0, 64, 4))
    for page in (
        reverse("admin:elections_election_change", args=[published.election_id]),
        reverse("admin:rolls_run_change", args=[published.pk]),
    ):
        html = client.get(page).content.decode()
        assert html.count(grouped) == 2, page  # the set's key, and the commission's
        assert reverse("admin:rolls_run_signing_key", args=[published.pk]) in html

    for url in (
        reverse("admin:rolls_run_signing_key", args=[published.pk]),
        reverse("admin:rolls_run_current_signing_key"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response.content == public_key_pem(commission.public_key())
        assert f"roll-set-signing-key-{fingerprint[:16]}.pem" in response["Content-Disposition"]
    client.logout()
    assert client.get(reverse("admin:rolls_run_current_signing_key")).status_code == 302


def test_after_a_key_rotation_a_set_names_the_key_that_signed_it(
    settings, staff_client, published, commission
):
    settings.ROLL_SET_SIGNING_KEY = private_key_pem(Ed25519PrivateKey.generate()).decode()

    html = staff_client.get(reverse("admin:rolls_run_change", args=[published.pk])).content
    assert b"key has changed since: this set still checks with the key above" in html
    signed = staff_client.get(reverse("admin:rolls_run_signing_key", args=[published.pk]))
    assert signed.content == public_key_pem(commission.public_key())


def test_without_a_usable_key_the_pages_say_publishing_is_refused(
    settings, staff_client, published
):
    settings.ROLL_SET_SIGNING_KEY = ""
    settings.ROLL_SET_SIGNING_KEY_DEFAULT_FILE = None

    html = staff_client.get(reverse("admin:rolls_run_change", args=[published.pk])).content
    assert b'id="signing-key-problem"' in html
    assert b"No usable signing key, so publishing is refused" in html
    # The set already published still names, and serves, the key that signed it.
    assert b'id="signed-key-fingerprint"' in html
    signed = staff_client.get(reverse("admin:rolls_run_signing_key", args=[published.pk]))
    assert signed.status_code == 200
    assert staff_client.get(reverse("admin:rolls_run_current_signing_key")).status_code == 404


def test_verify_set_refuses_a_bombed_manifest_without_reading_it_whole(
    set_zip, public_pem, published, tmp_path, monkeypatch
):
    """A hostile zip whose manifest inflates past any real one: refused by its size, read
    no further than the limit (lowered here so the bomb stays small)."""
    monkeypatch.setattr(signed_sets, "MAX_RECORD_BYTES", 1024 * 1024)
    folder = f"{published.election.slug}-run-{published.pk}"
    bomb = b"{" + b" " * (4 * 1024 * 1024)  # 4 MiB that deflate to a few KiB
    bombed = rewritten(
        set_zip,
        tmp_path / "bomb.zip",
        change={f"{folder}/{SIGNED_MANIFEST}": bomb},
        compression=zipfile.ZIP_DEFLATED,
    )
    assert bombed.stat().st_size < set_zip.stat().st_size + 64 * 1024
    message = refused(bombed, str(public_pem))
    assert f"{SIGNED_MANIFEST}: larger than {1024 * 1024} bytes: not a record" in message
