"""The frontend phase against the local AWS API (moto on 127.0.0.1:4566).

Each test publishes into its own bucket (and zone), never touching the environment's; the
build cache is shared by the tests of this module so the Astro site is built once.
"""

import json
import subprocess
import urllib.request
import uuid

import pytest

from tests.conftest import ROOT, run
from tests.integration.awsenv import ENDPOINT, client
from tests.recap import changed_by_host

API_URL = "https://api.masclet.test/api/v1"
IMMUTABLE = "public, max-age=31536000, immutable"
SAMPLE = ROOT / ".cache" / "sample-app"


@pytest.fixture(scope="module")
def sample_repo():
    if not (SAMPLE / ".git").exists() and not (SAMPLE / "HEAD").exists():
        run(["make", "sample-repo"], check=True)
    return SAMPLE


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("frontend-cache")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def phase(bucket, cache_dir, *extra, check=False):
    cmd = [
        "ansible-playbook",
        "-i",
        "inventory/local",
        "playbooks/frontend.yml",
        # The static build and its bucket (the local default, `sample`, is server-rendered).
        "-e",
        "app_profile=sample-static",
        "-e",
        f"app_frontend_bucket={bucket}",
        "-e",
        f"frontend_build_cache_dir={cache_dir}",
        *extra,
    ]
    if check:
        cmd += ["--check", "--diff"]
    return run(cmd, timeout=1200)


def provisioned(s3, bucket):
    """The bucket as provisioning (roles/aws_storage) leaves it for S3 website hosting."""
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )


def objects(s3, bucket):
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        out.update({o["Key"]: o["ETag"] for o in page.get("Contents", [])})
    return out


def drop_bucket(s3, bucket):
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        return
    keys = list(objects(s3, bucket))
    if keys:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    s3.delete_bucket(Bucket=bucket)


def test_website_phase_publishes_the_site_with_headers_and_api_url(sample_repo, cache_dir):
    s3 = client("s3")
    bucket = unique("itest-frontend")
    try:
        provisioned(s3, bucket)
        proc = phase(bucket, cache_dir)
        assert proc.returncode == 0, proc.stdout[-6000:]

        keys = objects(s3, bucket)
        html = [k for k in keys if k.endswith(".html")]
        assets = [k for k in keys if k.startswith("_astro/")]
        assert "index.html" in html and "about/index.html" in html
        assert any(k.endswith(".js") for k in assets) and any(k.endswith(".css") for k in assets)

        page = s3.get_object(Bucket=bucket, Key="index.html")
        assert page["ContentType"] == "text/html; charset=utf-8"
        assert page["CacheControl"] == "no-cache"
        body = page["Body"].read().decode()
        assert f'<meta name="api-url" content="{API_URL}"' in body
        # The client reads import.meta.env.VITE_API_URL: only the wrapper configuration
        # (frontend_build_env_prefixes) puts it into the browser's code.
        scripts = [k for k in assets if k.endswith(".js")]
        assert any(
            API_URL in s3.get_object(Bucket=bucket, Key=k)["Body"].read().decode() for k in scripts
        ), "the API base is not in the client's code"

        assert '<meta name="app-version" content="1.0.0"' in body
        for key in assets:
            head = s3.head_object(Bucket=bucket, Key=key)
            assert head["CacheControl"] == IMMUTABLE
            want = "text/css" if key.endswith(".css") else "text/javascript"
            assert head["ContentType"].startswith(want), key
        svg = s3.head_object(Bucket=bucket, Key="favicon.svg")
        assert svg["ContentType"] == "image/svg+xml"

        website = s3.get_bucket_website(Bucket=bucket)
        assert website["IndexDocument"]["Suffix"] == "index.html"
        assert website["ErrorDocument"]["Key"] == "index.html"  # SPA fallback
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        assert policy["Statement"][0]["Principal"] == "*"
        assert policy["Statement"][0]["Action"] == "s3:GetObject"
        # Anyone can read the page (unsigned request), as a visitor would.
        with urllib.request.urlopen(f"{ENDPOINT}/{bucket}/index.html", timeout=10) as resp:
            assert b'name="api-url"' in resp.read()

        again = phase(bucket, cache_dir)
        assert again.returncode == 0, again.stdout[-6000:]
        assert changed_by_host(again.stdout) == {"localhost": 0}, again.stdout[-4000:]
        check = phase(bucket, cache_dir, check=True)
        assert check.returncode == 0, check.stdout[-6000:]
        assert changed_by_host(check.stdout) == {"localhost": 0}, check.stdout[-4000:]

        # The next release: its pages replace the old ones, the old hashed assets stay (grace).
        before = objects(s3, bucket)
        nxt = phase(bucket, cache_dir, "-e", "app_version=v2.0.0")
        assert nxt.returncode == 0, nxt.stdout[-6000:]
        after = objects(s3, bucket)
        page = s3.get_object(Bucket=bucket, Key="index.html")["Body"].read().decode()
        assert '<meta name="app-version" content="2.0.0"' in page
        assert set(before) <= set(after), "an old asset was deleted before its grace period"
        assert after["favicon.svg"] == before["favicon.svg"]
    finally:
        drop_bucket(s3, bucket)


def test_failed_build_prints_npm_error_and_publishes_nothing(sample_repo, tmp_path):
    repo = tmp_path / "broken-app"
    subprocess.run(["git", "clone", "-q", str(sample_repo), str(repo)], check=True)
    page = repo / "frontend" / "src" / "pages" / "index.astro"
    page.write_text(page.read_text().replace("<Base", "<Base {{{ broken", 1))
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "commit", "-qam", "break the page"], check=True)
    s3 = client("s3")
    bucket = unique("itest-frontend-broken")
    try:
        provisioned(s3, bucket)
        proc = phase(
            bucket,
            tmp_path / "cache",
            "-e",
            f"app_repo={repo}",
            "-e",
            "app_version=HEAD",
        )
        assert proc.returncode != 0
        assert "Stop on a failed build, with npm's own words" in proc.stdout
        assert "index.astro" in proc.stdout  # astro's own error names the file
        # The build runs before anything touches AWS: nothing published.
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    finally:
        drop_bucket(s3, bucket)


def test_unknown_ref_fails_before_any_change(sample_repo, tmp_path):
    s3 = client("s3")
    bucket = unique("itest-frontend-ref")
    proc = phase(bucket, tmp_path / "cache", "-e", "app_version=v9.9.9")
    assert proc.returncode != 0
    assert "'v9.9.9' is not a branch, tag or commit" in proc.stdout
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_no_bucket_stops_before_publishing_and_makes_none(sample_repo, cache_dir):
    """The bucket is provisioning's (roles/aws_storage): the frontend phase makes no second one."""
    s3 = client("s3")
    bucket = unique("itest-frontend-none")
    proc = phase(bucket, cache_dir)
    assert proc.returncode != 0
    assert f"there is no bucket s3://{bucket} to publish into" in proc.stdout, proc.stdout[-4000:]
    assert "run playbooks/provision.yml" in proc.stdout
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_cloudfront_hosting_without_a_distribution_stops_and_publishes_nothing(
    sample_repo, cache_dir
):
    """The distribution is provisioning's (roles/aws_cdn, tests/integration/test_cdn_lifecycle.py):
    the frontend phase only finds it, and says what to run when there is none."""
    s3 = client("s3")
    bucket = unique("itest-frontend-cf")
    try:
        provisioned(s3, bucket)
        proc = phase(bucket, cache_dir, "-e", "frontend_publish_hosting=cloudfront")
        assert proc.returncode != 0
        assert f"no CloudFront distribution reads s3://{bucket}" in proc.stdout, proc.stdout[-4000:]
        assert "run playbooks/provision.yml" in proc.stdout
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    finally:
        drop_bucket(s3, bucket)


def operator_patch(tmp_path, name, old, new):
    """A patch against the sample's v1.0.0, as an operator would write it with git diff."""
    work = tmp_path / name
    run(["git", "clone", "-q", "--branch", "v1.0.0", str(SAMPLE), str(work)], check=True)
    about = work / "frontend" / "src" / "pages" / "about.astro"
    about.write_text(about.read_text().replace(old, new))
    diff = run(["git", "-C", str(work), "diff"], check=True).stdout
    assert diff, "the patch is empty"
    path = tmp_path / f"{name}.patch"
    path.write_text(diff)
    return path


def test_patches_reach_the_build_and_one_that_does_not_apply_publishes_nothing(
    sample_repo, cache_dir, tmp_path
):
    s3 = client("s3")
    bucket = unique("itest-patch")
    fix = operator_patch(tmp_path, "fix", "Sample of the Masclet", "Patched sample of the Masclet")
    try:
        provisioned(s3, bucket)
        proc = phase(bucket, cache_dir, "-e", json.dumps({"frontend_build_patches": [str(fix)]}))
        assert proc.returncode == 0, proc.stdout[-6000:]
        about = s3.get_object(Bucket=bucket, Key="about/index.html")["Body"].read().decode()
        assert "Patched sample of the Masclet" in about
        before = objects(s3, bucket)

        # A patch written against other code: git's words, and the published site untouched.
        stale = operator_patch(tmp_path, "stale", "Sample of the Masclet", "Other text")
        stale.write_text(stale.read_text().replace("Sample of the Masclet", "Text not there"))
        bad = phase(bucket, cache_dir, "-e", json.dumps({"frontend_build_patches": [str(stale)]}))
        assert bad.returncode != 0
        assert "does not apply" in bad.stdout and "patch failed" in bad.stdout, bad.stdout[-4000:]
        assert objects(s3, bucket) == before
    finally:
        drop_bucket(s3, bucket)
