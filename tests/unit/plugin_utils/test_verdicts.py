"""Self-signed verdicts remembered on the controller give the same answers as checking the signature."""

from __future__ import annotations

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
    key = next(iter(json.loads(path.read_text())))
    path.write_text(json.dumps({key: False}))  # a verdict only the file can have given
    verdicts.forget()
    verdicts.load(path)
    assert verdicts.self_signed(root.der) is False


def test_a_damaged_cache_file_is_ignored(tmp_path):
    path = tmp_path / "verdicts.json"
    path.write_text("{not json")
    verdicts.forget()
    verdicts.load(path)
    assert verdicts.self_signed(pki.make_root("R").der) is True
