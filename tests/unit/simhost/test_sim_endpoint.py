"""What the connection forwards: raw commands, file transfers and the run log."""

from __future__ import annotations

from pathlib import Path

import pytest
from simhost import endpoint
from simhost.recorder import clear_runs, make_entry, read_runs, record_run


def test_runs_are_read_back_in_order_and_cleared(tmp_path: Path) -> None:
    record_run(tmp_path, "web01", make_entry("raw"))
    record_run(tmp_path, "web01", make_entry("put_file", bytes_in=3))
    assert [run["module"] for run in read_runs(tmp_path, "web01")] == ["raw", "put_file"]
    clear_runs(tmp_path, "web01")
    assert read_runs(tmp_path, "web01") == []


def test_runs_of_hosts_are_kept_apart(tmp_path: Path) -> None:
    record_run(tmp_path, "web01", make_entry("raw"))
    assert read_runs(tmp_path, "web02") == []


def test_raw_command_answers_nothing_and_is_recorded(tmp_path: Path) -> None:
    assert endpoint.exec_command(tmp_path, "web01", None) == (0, b"", b"")
    assert read_runs(tmp_path, "web01") == [
        {"module": "raw", "mode": None, "ops": None, "bytes_in": 0, "bytes_out": 0, "rc": 0, "reply": ""}
    ]


def test_undecodable_payload_fails_and_is_recorded(tmp_path: Path) -> None:
    rc, _stdout, stderr = endpoint.exec_command(tmp_path, "web01", b"not a payload")
    assert rc == 1
    assert b"cannot decode" in stderr
    assert read_runs(tmp_path, "web01")[0]["rc"] == 1


def test_put_file_is_recorded_and_can_be_fetched_back(tmp_path: Path) -> None:
    source = tmp_path / "local.txt"
    source.write_text("hello")
    state_dir = tmp_path / "state"
    endpoint.put_file(state_dir, "web01", str(source), r"C:\Windows\Temp\x.txt")
    endpoint.fetch_file(state_dir, "web01", r"C:\Windows\Temp\x.txt", str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == "hello"
    put = read_runs(state_dir, "web01")[0]
    assert (put["module"], put["bytes_in"], put["path"]) == ("put_file", 5, r"C:\Windows\Temp\x.txt")


def test_fetching_a_file_never_sent_fails(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        endpoint.fetch_file(tmp_path, "web01", r"C:\nothing.txt", str(tmp_path / "out"))


def test_a_host_name_that_is_a_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        endpoint.host_file(tmp_path, "../etc")
