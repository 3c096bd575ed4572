"""The CloudFront Function the site's distribution runs on viewer requests, run in Node."""

import json
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

FUNCTION = ROOT / "roles" / "aws_cdn" / "files" / "viewer-request.js"
HARNESS = ROOT / "tests" / "unit" / "cloudfront_function_harness.js"


def event(uri: str) -> dict:
    """A viewer-request event as CloudFront passes it (the query string is apart from uri)."""
    return {
        "version": "1.0",
        "context": {"eventType": "viewer-request", "distributionDomainName": "d.cloudfront.net"},
        "viewer": {"ip": "192.0.2.1"},
        "request": {
            "method": "GET",
            "uri": uri,
            "querystring": {"page": {"value": "2"}},
            "headers": {"host": {"value": "masclet.test"}},
            "cookies": {},
        },
    }


def handled(uris: list[str]) -> list[dict]:
    node = shutil.which("node")
    assert node, "node is needed (make setup installs it)"
    lines = "".join(json.dumps(event(u)) + "\n" for u in uris)
    proc = subprocess.run(
        [node, str(HARNESS), str(FUNCTION)],
        input=lines,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.mark.parametrize(
    ("uri", "origin_key"),
    [
        ("/", "/index.html"),
        ("/about/", "/about/index.html"),
        ("/about", "/about/index.html"),
        ("/animals/list/", "/animals/list/index.html"),
        ("/v1.2/notes", "/v1.2/notes/index.html"),  # a dot in a folder is not a file
        ("/_astro/index.B4x2.js", "/_astro/index.B4x2.js"),
        ("/favicon.svg", "/favicon.svg"),
        ("/index.html", "/index.html"),
        ("/robots.txt", "/robots.txt"),
    ],
)
def test_folder_urls_reach_their_index_and_files_pass(uri, origin_key):
    (request,) = handled([uri])
    assert request["uri"] == origin_key
    # Everything else of the request goes to the origin unchanged.
    assert request["querystring"] == {"page": {"value": "2"}}
    assert request["headers"] == {"host": {"value": "masclet.test"}}
    assert request["method"] == "GET"


def test_many_requests_in_one_run_keep_no_state():
    uris = ["/a", "/a/", "/b.css", "/a"] * 50
    assert [r["uri"] for r in handled(uris)] == [
        "/a/index.html",
        "/a/index.html",
        "/b.css",
        "/a/index.html",
    ] * 50
