"""Self-signed verdicts remembered on the controller give the same answers as checking the signature."""

from __future__ import annotations

import hashlib
import json

from ansible_collections.mtls.iis.plugins.plugin_utils import verdicts
from support import pki


def test_remembered_verdicts_tell_a_same_name_cross_signed_ca_from_its_root(tmp_path):
    root = pki.make_root("Contoso Root")
    cross = pki.make_cross_signed(root, pki.make_root("Other Root"))
    same_name_other_key = pki.make_intermediate("Contoso Root", root)
    verdicts.forget()
    first = [verdicts.self_signed(c.der) for c in (root, cross, same_name_other_key)]
    again = [verdicts.self_signed(c.der) for c in (root, cross, same_name_other_key)]
    assert first == again == [True, False, False]


def test_verdicts_come_from_the_cache_file_written_by_an_earlier_process(tmp_path):
    root = pki.make_root("Contoso Root")
    path = tmp_path / "verdicts.json"
    verdicts.forget()
    verdicts.self_signed(root.der)
    verdicts.save(path)
    data = json.loads(path.read_text())
    key = next(iter(data["verdicts"]))
    data["verdicts"][key] = [False, ""]  # a verdict only the file can have given
    path.write_text(json.dumps(data))
    verdicts.forget()
    verdicts.load(path)
    assert verdicts.self_signed(root.der) is False


def test_verdicts_of_the_old_rule_are_dropped(tmp_path):
    """Version 1 files (no version) called SHA-1 roots 'not self-signed'; such a verdict is never read again."""
    root = pki.make_root("Contoso SHA-1 Root", key_kind="rsa1024", signature="sha1")
    path = tmp_path / "verdicts.json"
    path.write_text(json.dumps({hashlib.sha256(root.der).hexdigest(): False}))
    verdicts.forget()
    verdicts.load(path)
    assert verdicts.self_signed(root.der) is True
    verdicts.save(path)
    assert json.loads(path.read_text())["version"] == verdicts.VERSION


def test_a_damaged_cache_file_is_ignored(tmp_path):
    path = tmp_path / "verdicts.json"
    path.write_text("{not json")
    verdicts.forget()
    verdicts.load(path)
    assert verdicts.self_signed(pki.make_root("R").der) is True


def test_verdicts_written_under_another_rule_version_are_dropped(tmp_path):
    root = pki.make_root("Contoso Root")
    path = tmp_path / "verdicts.json"
    key = hashlib.sha256(root.der).hexdigest()
    path.write_text(json.dumps({"version": verdicts.VERSION - 1, "verdicts": {key: [False, ""]}}))
    verdicts.forget()
    verdicts.load(path)
    assert verdicts.self_signed(root.der) is True


def test_a_save_with_no_new_verdict_writes_nothing(tmp_path):
    path = tmp_path / "verdicts.json"
    verdicts.forget()
    verdicts.self_signed(pki.make_root("Contoso Root").der)
    verdicts.save(path)
    path.unlink()
    verdicts.save(path)
    assert not path.exists()


def test_a_cached_entry_whose_verdict_is_not_a_boolean_is_ignored(tmp_path):
    root = pki.make_root("Contoso Root")
    path = tmp_path / "verdicts.json"
    key = hashlib.sha256(root.der).hexdigest()
    path.write_text(json.dumps({"version": verdicts.VERSION, "verdicts": {key: ["no", ""]}}))
    verdicts.forget()
    verdicts.load(path)
    assert verdicts.self_signed(root.der) is True


def test_the_cache_lives_under_xdg_cache_home_when_it_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("MTLS_IIS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert verdicts.cache_file() == tmp_path / "mtls.iis" / "self-signed-verdicts.json"


def test_the_cache_lives_under_the_home_directory_without_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv("MTLS_IIS_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert verdicts.cache_file() == tmp_path / ".cache" / "mtls.iis" / "self-signed-verdicts.json"
