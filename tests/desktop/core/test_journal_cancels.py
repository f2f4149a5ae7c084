"""The journal's owed cancels (the server-side drop of an upload the user cancelled) belong to
one account: recorded once however often the cancel is asked, gone once the server answered,
dropped for another account's sign-in, and wiped with the rest at sign-out."""

from __future__ import annotations

from pathlib import Path

from desktop.core.upload_journal import UploadJournal


def test_owed_cancels_are_kept_per_account_until_answered(tmp_path: Path) -> None:
    journal = UploadJournal(tmp_path / "uploads.sqlite3")
    assert journal.cancels("alice") == []  # no file yet: nothing owed
    journal.cancel_later("alice", ["u1", "u2"])
    journal.cancel_later("alice", ["u1"])  # a second Cancel of the same session
    journal.cancel_later("bob", ["u3"])
    assert journal.cancels("alice") == ["u1", "u2"]
    journal.cancelled("u1")  # the server said 204 (or 404)
    assert journal.cancels("alice") == ["u2"]
    journal.keep_only("alice")  # alice signs in: bob's are never hers to ask
    assert journal.cancels("bob") == []
    assert journal.cancels("alice") == ["u2"]
    journal.clear()  # sign-out
    assert journal.cancels("alice") == []
    assert not (tmp_path / "uploads.sqlite3").exists()
