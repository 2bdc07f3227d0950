"""Evidence bundles: build, sign off, verify with our command and with stock tools, detect every tampering."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from datetime import timedelta

import pytest
from photo_factory import jpeg, signature_png
from stock_tools import openssl_cms_verify, pdfsig
from support import PIN, flip, keyed, rewrite, signed_bundle

from inspect_app.adapters import pki, signatures
from inspect_app.bundles import operations as bundles
from inspect_app.city.verify import verify_bundle
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Invalid
from inspect_app.signing import keys


def test_a_signed_bundle_holds_everything_and_verifies(app, session, season, tmp_path):
    bundle, path = signed_bundle(app, session, season, tmp_path)
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    station = season["stations"][0].number
    assert {
        "report.pdf",
        "directory.xlsx",
        "manifest.json",
        "manifest.p7s",
        f"photos/{station}/signboard-1.jpg",
        f"photos/{station}/bulletin_board-1.jpg",
    } <= set(names)
    assert manifest["district"] == {"code": "150602", "name": "东胜区"} and manifest["version"] == 1
    assert [i["score"] for i in manifest["inspections"]] == [100.0, 100.0]
    assert {f["path"] for f in manifest["files"]} == set(names) - {"manifest.json", "manifest.p7s"}
    check = verify_bundle(path, season["ca"], keys.revocation_list(session))
    assert check.ok, check.problems
    assert bundle.status.value == "signed" and bundle.signed_at is not None
    # Hashed while it was written: the recorded digest and size are those of the file as stored.
    assert bundle.archive_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert bundle.archive_size == path.stat().st_size
    # The time the verdict relies on is the city's time stamp, stamped once the leader signed.
    assert check.timestamped_at is not None and check.timestamped_at >= bundle.signed_at
    assert [d for a in check.aspects for d in a.details if "时间戳时间" in d] == [
        f"manifest.json 的 CMS 签名有效，签名人 {check.signer}，时间戳时间 {signatures.shown(check.timestamped_at)}",
        f"由市中心根证书签发，时间戳时间 {signatures.shown(check.timestamped_at)} 时在有效期内，未吊销",
    ]


def test_stock_tools_agree(app, session, season, tmp_path):
    _, path = signed_bundle(app, session, season, tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    (folder / "city-ca.pem").write_bytes(season["ca"])
    openssl = openssl_cms_verify(folder)
    assert openssl.returncode == 0, openssl.stderr
    signed = pdfsig(folder, "report.pdf")
    assert "Signature Validation: Signature is Valid." in signed and "Total document signed" in signed
    text = subprocess.run(["pdftotext", "report.pdf", "-"], cwd=folder, capture_output=True, text=True).stdout
    assert "东胜万达广场12315消费维权服务站" in text and "东胜维多利超市12315消费维权服务站" in text
    pages = subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(folder / "report.pdf"), str(folder / "page")],
        capture_output=True,
        text=True,
    )
    assert pages.returncode == 0 and len(list(folder.glob("page-*.png"))) >= 4


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda n, d: flip(d) if n.startswith("photos/") and n.endswith("signboard-1.jpg") else d, "内容与清单不符"),
        (lambda n, d: flip(d, 2000) if n == "report.pdf" else d, "report.pdf"),
        (lambda n, d: d.replace(b'"score": 100.0', b'"score": 99.0', 1) if n == "manifest.json" else d, "manifest.p7s"),
        (lambda n, d: None if n == "directory.xlsx" else d, "directory.xlsx：清单中列出的文件缺失"),
    ],
)
def test_every_tampering_is_found_with_its_reason(app, session, season, tmp_path, change, reason):
    _, path = signed_bundle(app, session, season, tmp_path)
    tampered = rewrite(path, tmp_path / "tampered.zip", change)
    check = verify_bundle(tampered, season["ca"], keys.revocation_list(session))
    assert not check.ok and any(reason in p for p in check.problems), check.problems


def test_an_added_file_is_found(app, session, season, tmp_path):
    _, path = signed_bundle(app, session, season, tmp_path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("photos/extra.jpg", jpeg(seed=99))
    check = verify_bundle(path, season["ca"], {})
    assert check.problems == ["photos/extra.jpg：清单中没有的多余文件"]


def test_data_hidden_in_a_folder_entry_or_under_a_repeated_name_is_found(app, session, season, tmp_path):
    _, path = signed_bundle(app, session, season, tmp_path)
    photo = next(n for n in zipfile.ZipFile(path).namelist() if n.startswith("photos/"))
    hidden = tmp_path / "hidden.zip"
    hidden.write_bytes(path.read_bytes())
    with zipfile.ZipFile(hidden, "a") as archive:
        archive.writestr(zipfile.ZipInfo("photos/secret/"), b"not a folder at all")
    assert verify_bundle(hidden, season["ca"], {}).problems == ["photos/secret/：清单中没有的多余文件"]
    twice = tmp_path / "twice.zip"
    twice.write_bytes(path.read_bytes())
    with zipfile.ZipFile(twice, "a") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr(photo, jpeg(seed=98))  # unzip would ask which of the two to keep
    assert verify_bundle(twice, season["ca"], {}).problems == [f"{photo}：证据包中有两个同名文件"]


def test_a_member_whose_data_fails_its_crc_is_named(app, session, season, tmp_path):
    _, path = signed_bundle(app, session, season, tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("directory.xlsx")  # stored, so one flipped byte is a CRC error, not a deflate one
    name_length, extra_length = (
        int.from_bytes(data[info.header_offset + at : info.header_offset + at + 2], "little") for at in (26, 28)
    )
    data[info.header_offset + 30 + name_length + extra_length + 100] ^= 0x01
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    check = verify_bundle(damaged, season["ca"], {})
    assert check.problems == ["directory.xlsx：文件已损坏，无法读出（压缩数据或 CRC 校验错误）"]


def test_a_bundle_re_signed_by_another_districts_leader_is_refused(app, session, season, tmp_path):
    from inspect_app.adapters import signatures

    _, path = signed_bundle(app, session, season, tmp_path)
    other = keys.usable_certificate(session, season["other_leader"])
    stamper = keys.trusted_time(session, app.config["PKI_CA_PASSPHRASE"]).timestamper
    resigned = rewrite(
        path,
        tmp_path / "resigned.zip",
        lambda n, d: (
            signatures.sign_detached_cms(
                zipfile.ZipFile(path).read("manifest.json"),
                certificate_pem=other.certificate_pem,
                encrypted_key_pem=other.encrypted_key_pem,
                pin=keyed(app, PIN),
                timestamper=stamper,
            )
            if n == "manifest.p7s"
            else d
        ),
    )
    check = verify_bundle(resigned, season["ca"], {})
    assert any("签名人属于旗区 150603" in p for p in check.problems), check.problems


def test_wrong_pin_and_revoked_certificate_sign_nothing(app, session, season, tmp_path):
    leader, store = season["leader"], app.extensions["filestore"]
    bundle = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "")
    bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    with pytest.raises(Invalid, match="签名PIN错误"):
        bundles.sign_off(
            session, leader.actor, store, leader, bundle.id, keyed(app, "000000"), signature_png(), tmp_path
        )
    certificate = keys.usable_certificate(session, leader)
    keys.revoke(session, certificate.id)
    with pytest.raises(Invalid, match="没有可用的签名证书"):
        bundles.sign_off(session, leader.actor, store, leader, bundle.id, keyed(app, PIN), signature_png(), tmp_path)
    session.refresh(bundle)
    assert bundle.status.value == "ready" and bundle.archive_key is None


def test_a_key_under_the_pin_alone_is_keyed_at_its_next_sign_off(app, session, season, tmp_path):
    """Keys issued before PINs were keyed with the CA passphrase still sign, and are re-encrypted as they do."""
    leader = season["leader"]
    certificate = keys.usable_certificate(session, leader)
    certificate.encrypted_key_pem = pki.change_pin(certificate.encrypted_key_pem, keyed(app, PIN), PIN)
    session.commit()
    bundle, path = signed_bundle(app, session, season, tmp_path)
    assert verify_bundle(path, season["ca"], {}).ok
    session.refresh(certificate)
    assert pki.load_signing_key(certificate.encrypted_key_pem, keyed(app, PIN))
    with pytest.raises(pki.WrongPin):
        pki.load_signing_key(certificate.encrypted_key_pem, PIN)


def test_a_bundle_signed_after_revocation_fails_verification(app, session, season, tmp_path):
    _, path = signed_bundle(app, session, season, tmp_path)
    certificate = keys.usable_certificate(session, season["leader"])
    keys.revoke(session, certificate.id, at=utcnow() - timedelta(hours=1))  # revoked before it signed
    check = verify_bundle(path, season["ca"], keys.revocation_list(session))
    assert not check.ok and any("吊销" in p for p in check.problems)


def test_after_signing_a_change_needs_a_new_version(app, session, season, tmp_path):
    bundle, _ = signed_bundle(app, session, season, tmp_path)
    leader = season["leader"]
    again = bundles.start_draft(session, leader.actor, leader.district_id, season["campaign"].id, "修订")
    assert again.id != bundle.id and again.version == 2
    session.refresh(bundle)
    assert bundle.status.value == "signed" and bundle.narrative == "本旗区共有2个服务站，全部完成自查。"


def test_the_command_line_builds_and_verifies(app, runner, session, season, tmp_path):
    pin = tmp_path / "pin"
    pin.write_text(PIN)
    out = tmp_path / "cli.zip"
    result = runner.invoke(
        args=[
            "bundle",
            "build",
            "--district",
            "150602",
            "--campaign",
            str(season["campaign"].id),
            "--sign-as",
            "leader.ds",
            "--pin-file",
            str(pin),
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    ca = tmp_path / "city-ca.pem"
    ca.write_bytes(season["ca"])
    good = runner.invoke(args=["bundle", "verify", str(out), "--ca", str(ca)])
    assert good.exit_code == 0 and "证据包完整有效" in good.output
    broken = rewrite(out, tmp_path / "broken.zip", lambda n, d: flip(d) if n.endswith("bulletin_board-1.jpg") else d)
    bad = runner.invoke(args=["bundle", "verify", str(broken), "--ca", str(ca)])
    assert bad.exit_code == 1 and "bulletin_board-1.jpg：内容与清单不符" in bad.output
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert "不是有效的 ZIP" in runner.invoke(args=["bundle", "verify", str(junk), "--ca", str(ca)]).output


def test_the_zip_is_not_read_into_memory_to_hash(tmp_path):
    from inspect_app.adapters.archive import ArchiveWriter, read_members

    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (3 * 2**20))
    archive = ArchiveWriter(tmp_path / "a.zip")
    archive.add_file("photos/a/big-1.jpg", big)
    archive.add_bytes("manifest.json", b"{}")
    size, digest = archive.close()
    written = (tmp_path / "a.zip").read_bytes()
    assert (size, digest) == (len(written), hashlib.sha256(written).hexdigest())
    with zipfile.ZipFile(tmp_path / "a.zip") as stock:  # another reader agrees on the members and their CRCs
        assert stock.testzip() is None and stock.read("photos/a/big-1.jpg") == big.read_bytes()
    found = read_members(tmp_path / "a.zip", [])
    assert found.present["photos/a/big-1.jpg"].size == 3 * 2**20 and found.contents == {} and found.unreadable == {}
