"""The publish benchmark's counts, on a small build: the figures `make bench` relies on."""

from bench.publish_bench import measure


def test_request_counts_of_the_three_tools(tmp_path):
    fig = measure(tmp_path, assets=150, pages=50)
    files = fig["files"]
    calls = fig["calls"]
    assert files == 200
    # First publish: every file once (plus s3_publish's state object).
    assert fig["publish_first_puts"] == files + 1
    assert fig["awscli_first_puts"] == files
    # No-op: s3_publish makes no write and no request per file (one listing, one state read).
    assert fig["publish_noop_puts"] == 0
    assert calls["publish_noop"] == {"ListObjectsV2": 1, "GetObject": 1}
    assert calls["s3sync_noop"].get("HeadObject") == files  # one HEAD per file
    # Rebuild (new mtimes everywhere, one same-size change): only the changed file.
    assert fig["publish_rebuild_puts"] == 1
    assert fig["awscli_rebuild_puts"] == files  # size+mtime: every file again
    assert fig["s3sync_rebuild_puts"] == 1
    assert "CopyObject" not in calls["publish_rebuild"]
