"""library/s3_publish.py against moto in-process: what lands in the bucket, and what it costs."""

import time

import boto3
import pytest
from moto import mock_aws

from tests.unit.awsmodules import aws_env, load, runner

s3_publish = load("s3_publish")

BUCKET = "unit-publish"
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def s3(monkeypatch):
    aws_env(monkeypatch)
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        yield client


@pytest.fixture
def publish(capsys):
    """Run the module in-process; return its result (failed results too)."""
    run = runner(s3_publish, capsys)

    def _run(src, check=False, diff=False, **params):
        args = {"bucket": BUCKET, "src": str(src), "region": "eu-west-1", **params}
        return run(check=check, diff=diff, **args)

    return _run


def build(root, files):
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


SITE = {
    "index.html": "<html><script src=/_astro/app.a1b2c3.js></script></html>",
    "about/index.html": "<html>about</html>",
    "_astro/app.a1b2c3.js": "console.log(1)",
    "_astro/style.d4e5f6.css": "body{}",
    "favicon.svg": "<svg/>",
}


def objects(s3):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {o["Key"]: o for p in pages for o in p.get("Contents", [])}


def head(s3, key):
    return s3.head_object(Bucket=BUCKET, Key=key)


def test_first_publish_uploads_everything_with_headers(s3, publish, tmp_path):
    res = publish(build(tmp_path, SITE))
    assert res["changed"] and not res.get("failed")
    assert sorted(res["uploaded"]) == sorted(SITE)
    assert res["requests"]["PutObject"] == len(SITE) + 1  # files + the state object
    assert "HeadObject" not in res["requests"]
    # Assets before pages.
    kinds = [k.endswith(".html") for k in res["uploaded"]]
    assert kinds == sorted(kinds)
    body = s3.get_object(Bucket=BUCKET, Key="index.html")
    assert body["Body"].read() == SITE["index.html"].encode()
    assert body["ContentType"] == "text/html; charset=utf-8"
    assert body["CacheControl"] == "no-cache"
    js = head(s3, "_astro/app.a1b2c3.js")
    assert js["CacheControl"] == IMMUTABLE
    assert js["ContentType"] == "text/javascript; charset=utf-8"
    assert head(s3, "favicon.svg")["CacheControl"] == "public, max-age=300"
    assert len(js["Metadata"]["sha256"]) == 64


def test_noop_makes_no_write_and_no_per_file_request(s3, publish, tmp_path):
    src = build(tmp_path, SITE)
    publish(src)
    res = publish(src)
    assert not res["changed"]
    assert res["uploaded"] == [] and res["unchanged"] == len(SITE)
    assert res["requests"] == {"ListObjectsV2": 1, "GetObject": 1}


def test_rebuild_with_new_mtimes_and_one_same_size_change(s3, publish, tmp_path):
    src = build(tmp_path, SITE)
    publish(src)
    before = objects(s3)
    time.sleep(1.1)
    build(tmp_path, SITE)  # rewritten: new modification times, same content
    (src / "about/index.html").write_text("<html>ABOUT</html>")  # same size, new content
    res = publish(src)
    assert res["uploaded"] == ["about/index.html"]
    assert res["requests"].get("PutObject") == 1
    after = objects(s3)
    changed = [k for k in after if after[k]["ETag"] != before[k]["ETag"]]
    assert changed == ["about/index.html"]
    got = s3.get_object(Bucket=BUCKET, Key="about/index.html")["Body"].read()
    assert got == b"<html>ABOUT</html>"
    assert res["invalidation_paths"] == ["/about/", "/about/index.html"]


def test_header_rule_change_fixes_metadata_without_upload(s3, publish, tmp_path):
    src = build(tmp_path, SITE)
    publish(src)
    rules = [
        {"pattern": "_astro/**", "cache_control": IMMUTABLE},
        {"pattern": "**.html", "cache_control": "public, max-age=60"},
    ]
    res = publish(src, cache_control_rules=rules)
    assert res["changed"]
    assert res["uploaded"] == []
    assert sorted(res["metadata_updated"]) == ["about/index.html", "index.html"]
    assert res["requests"].get("CopyObject") == 2
    assert "PutObject" in res["requests"]  # the state object only
    assert res["requests"]["PutObject"] == 1
    page = s3.get_object(Bucket=BUCKET, Key="index.html")
    assert page["CacheControl"] == "public, max-age=60"
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["Body"].read() == SITE["index.html"].encode()
    assert not publish(src, cache_control_rules=rules)["changed"]


def test_content_type_table_change_is_noticed(s3, publish, tmp_path):
    src = build(tmp_path, SITE)
    publish(src)
    res = publish(src, content_types={"svg": "image/svg+xml; charset=utf-8"})
    assert res["metadata_updated"] == ["favicon.svg"]
    assert head(s3, "favicon.svg")["ContentType"] == "image/svg+xml; charset=utf-8"


def test_deletion_waits_for_grace_period(s3, publish, tmp_path):
    src = build(tmp_path, SITE)
    publish(src)
    (src / "_astro/app.a1b2c3.js").unlink()
    build(src, {"_astro/app.999999.js": "console.log(2)"})
    # A grace far longer than the test (a loaded machine may take seconds per publish), then
    # one shorter than the time since the file left the build.
    res = publish(src, delete_grace_seconds=600)
    assert res["deleted"] == []
    assert list(res["pending_deletions"]) == ["_astro/app.a1b2c3.js"]
    assert "_astro/app.a1b2c3.js" in objects(s3)  # an old page still finds its script
    res = publish(src, delete_grace_seconds=600)
    assert not res["changed"] and res["deleted"] == []
    time.sleep(1.1)
    res = publish(src, delete_grace_seconds=1)
    assert res["changed"] and res["deleted"] == ["_astro/app.a1b2c3.js"]
    assert "_astro/app.a1b2c3.js" not in objects(s3)
    assert res["invalidation_paths"] == []  # hashed assets need no invalidation


def test_file_back_in_build_is_no_longer_pending(s3, publish, tmp_path):
    src = build(tmp_path, SITE)
    publish(src)
    (src / "favicon.svg").unlink()
    assert list(publish(src, delete_grace_seconds=1)["pending_deletions"]) == ["favicon.svg"]
    build(src, {"favicon.svg": SITE["favicon.svg"]})
    time.sleep(1.1)
    res = publish(src, delete_grace_seconds=1)
    assert res["pending_deletions"] == {} and res["deleted"] == []
    assert "favicon.svg" in objects(s3)


def test_max_deletions_guard_changes_nothing(s3, publish, tmp_path):
    src = build(tmp_path, SITE)
    publish(src)
    other = build(tmp_path / "other", {"index.html": "<html>new</html>"})
    res = publish(other, delete_grace_seconds=0, max_deletions=2)
    assert res["failed"]
    assert "max_deletions=2" in res["msg"]
    assert set(objects(s3)) >= set(SITE)
    assert (
        s3.get_object(Bucket=BUCKET, Key="index.html")["Body"].read() == SITE["index.html"].encode()
    )
    res = publish(other, delete_grace_seconds=0, max_deletions=10)
    assert sorted(res["deleted"]) == sorted(set(SITE) - {"index.html"})


def test_check_mode_plans_and_changes_nothing(s3, publish, tmp_path):
    src = build(tmp_path, SITE)
    res = publish(src, check=True, diff=True)
    assert res["changed"]
    assert sorted(res["uploaded"]) == sorted(SITE)
    assert "+ add index.html" in res["diff"]["prepared"]
    assert objects(s3) == {}
    publish(src)
    (src / "index.html").write_text("<html>changed</html>")
    (src / "favicon.svg").unlink()
    res = publish(src, check=True, diff=True, delete_grace_seconds=0)
    assert res["uploaded"] == ["index.html"] and res["deleted"] == ["favicon.svg"]
    assert "- delete favicon.svg" in res["diff"]["prepared"]
    assert "+ update index.html" in res["diff"]["prepared"]
    assert "favicon.svg" in objects(s3)
    assert (
        s3.get_object(Bucket=BUCKET, Key="index.html")["Body"].read() == SITE["index.html"].encode()
    )


ASTRO_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "_astro/a.1.css": "text/css; charset=utf-8",
    "_astro/a.1.js": "text/javascript; charset=utf-8",
    "_astro/a.1.mjs": "text/javascript; charset=utf-8",
    "_astro/a.1.js.map": "application/json",
    "data.json": "application/json",
    "logo.svg": "image/svg+xml",
    "_astro/p.1.png": "image/png",
    "_astro/p.1.jpg": "image/jpeg",
    "_astro/p.1.jpeg": "image/jpeg",
    "_astro/p.1.webp": "image/webp",
    "_astro/p.1.avif": "image/avif",
    "_astro/p.1.gif": "image/gif",
    "_astro/f.1.woff": "font/woff",
    "_astro/f.1.woff2": "font/woff2",
    "_astro/f.1.ttf": "font/ttf",
    "favicon.ico": "image/x-icon",
    "robots.txt": "text/plain; charset=utf-8",
    "sitemap-index.xml": "application/xml",
    "rss.xml": "application/xml",
    "site.webmanifest": "application/manifest+json",
    "_astro/m.1.wasm": "application/wasm",
    "doc.pdf": "application/pdf",
    "noext": "application/octet-stream",
}


def test_content_types_of_astro_outputs(s3, publish, tmp_path):
    src = build(tmp_path, {rel: "x" for rel in ASTRO_TYPES})
    publish(src)
    got = {rel: head(s3, rel)["ContentType"] for rel in ASTRO_TYPES}
    assert got == ASTRO_TYPES


def test_prefix_keeps_other_keys_and_invalidation_collapses(s3, publish, tmp_path):
    s3.put_object(Bucket=BUCKET, Key="elsewhere.txt", Body=b"keep")
    pages = {f"p{i}/index.html": f"<html>{i}</html>" for i in range(20)}
    res = publish(build(tmp_path, pages), prefix="site", delete_grace_seconds=0)
    assert res["invalidation_paths"] == ["/site/*"]
    assert all(k.startswith("site/") for k in res["uploaded"])
    assert "elsewhere.txt" in objects(s3)


def test_multipart_object_compares_by_stored_hash(s3, publish, tmp_path):
    big = bytes(range(256)) * (6 * 1024 * 1024 // 256 + 1)
    src = build(tmp_path, {"video.mp4": big, "index.html": "<html/>"})
    res = publish(src, multipart_threshold=5 * 1024 * 1024)
    assert "-" in head(s3, "video.mp4")["ETag"]  # a multipart ETag is no MD5 of the content
    res = publish(src, multipart_threshold=5 * 1024 * 1024)
    assert not res["changed"] and res["uploaded"] == []


def test_bucket_filled_by_other_tool_is_adopted_with_heads(s3, publish, tmp_path):
    src = build(tmp_path, SITE)
    for rel, body in SITE.items():  # as `aws s3 sync` would: same bytes, its own headers
        s3.put_object(Bucket=BUCKET, Key=rel, Body=body.encode(), ContentType="text/plain")
    res = publish(src)
    assert res["uploaded"] == []
    assert sorted(res["metadata_updated"]) == sorted(SITE)
    assert res["requests"]["HeadObject"] == len(SITE)
    assert head(s3, "index.html")["ContentType"] == "text/html; charset=utf-8"
    assert not publish(src)["changed"]


@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_missing_or_empty_build_publishes_and_deletes_nothing(s3, publish, tmp_path, kind):
    src = build(tmp_path / "site", SITE)
    publish(src)
    bad = tmp_path / "dist"
    if kind == "empty":
        bad.mkdir()
    res = publish(bad, delete_grace_seconds=0)
    assert res["failed"] and not res["changed"]
    assert f"{bad} {'does not exist' if kind == 'missing' else 'is empty'}" in res["msg"]
    assert set(SITE) <= set(objects(s3))


def test_missing_bucket_gives_actionable_message(s3, publish, tmp_path):
    res = publish(build(tmp_path, SITE), bucket="no-such-bucket-here")
    assert res["failed"]
    assert "Bucket 'no-such-bucket-here' does not exist" in res["msg"]
    assert "create it" in res["msg"]


def test_unwritable_bucket_gives_actionable_message(s3, publish, tmp_path, monkeypatch):
    # moto does not enforce bucket policies: make S3 refuse the upload the way it does.
    def denied(self, item):
        raise s3_publish.botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "PutObject"
        )

    monkeypatch.setattr(s3_publish.Publisher, "upload", denied)
    res = publish(build(tmp_path, SITE))
    assert res["failed"]
    assert "S3 refused to upload objects in bucket 'unit-publish' (AccessDenied)" in res["msg"]
    assert "s3:PutObject" in res["msg"]


def test_glob_rules():
    rx = s3_publish.glob_to_regex
    assert rx("_astro/**").match("_astro/deep/a.js")
    assert not rx("_astro/**").match("x/_astro/a.js")
    assert rx("**.html").match("a/b/index.html")
    assert rx("*.html").match("index.html") and not rx("*.html").match("a/index.html")
    assert rx("**/*.css").match("a.css") and rx("**/*.css").match("a/b.css")
