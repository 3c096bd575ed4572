#!/usr/bin/python
"""Publish a static site build to S3: only what changed, with the right headers."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

try:
    import boto3
    import botocore
    import botocore.session
    from boto3.s3.transfer import TransferConfig
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: s3_publish
short_description: Publish a static site build to S3, uploading only what changed
description:
  - Compares a local build folder with an S3 bucket and uploads only the files whose content
    changed, decided by content hash from one listing of the bucket plus the module's own
    state object (no request per file).
  - Each object carries its SHA-256 in user metadata (C(x-amz-meta-sha256)), so objects whose
    ETag is not an MD5 of their content (multipart uploads, SSE-KMS) still compare right.
  - Content-Type comes from a table of the module's own (not the operating system's);
    Cache-Control from glob rules, first match wins (Astro defaults - C(_astro/**) one year
    immutable, HTML C(no-cache)). When only a rule changed, the metadata is fixed in place
    with a server-side copy, without uploading the file again.
  - Uploads assets before HTML pages, so a page never refers to an asset not yet there.
  - An object no longer in the build is deleted only after O(delete_grace_seconds) (the
    previous deployment's hashed assets stay for visitors with an old page open), and never
    more than O(max_deletions) at once.
  - Supports check mode (returns the plan) and diff.
  - An empty or missing O(src) publishes nothing and deletes nothing (the task fails).
version_added: "1.0.0"
author:
  - Masclet deployment project
options:
  bucket:
    description: Name of the bucket to publish into. It must exist.
    type: str
    required: true
  src:
    description: Local folder holding the build (for Astro, C(dist/)).
    type: path
    required: true
  prefix:
    description: Key prefix inside the bucket (no leading slash); empty publishes at the root.
    type: str
    default: ""
  cache_control_rules:
    description:
      - Glob rules mapping keys (relative to O(prefix)) to a Cache-Control value. First match wins.
      - C(**) matches across folders, C(*) within one folder segment.
    type: list
    elements: dict
    default:
      - {pattern: "_astro/**", cache_control: "public, max-age=31536000, immutable"}
      - {pattern: "**.html", cache_control: "no-cache"}
    suboptions:
      pattern:
        description: Glob pattern matched against the key relative to O(prefix).
        type: str
        required: true
      cache_control:
        description: Cache-Control header for matching objects.
        type: str
        required: true
  default_cache_control:
    description: Cache-Control for files no rule matches.
    type: str
    default: "public, max-age=300"
  content_types:
    description: Extra or overriding Content-Type table entries, by extension (no dot).
    type: dict
    default: {}
  default_content_type:
    description: Content-Type for extensions not in the table.
    type: str
    default: application/octet-stream
  hashed_patterns:
    description:
      - Globs of content-hashed files (their name changes when their content does). They are
        left out of RV(invalidation_paths).
    type: list
    elements: str
    default: ["_astro/**"]
  invalidation_max_paths:
    description: Past this many paths, RV(invalidation_paths) collapses to C(/*) under O(prefix).
    type: int
    default: 15
  delete:
    description: Whether objects no longer in the build are deleted (after the grace period).
    type: bool
    default: true
  delete_grace_seconds:
    description:
      - How long an object must have been missing from the build before it is deleted.
        The time it was first seen missing is kept in the state object. C(0) deletes at once.
    type: int
    default: 604800
  max_deletions:
    description:
      - Refuse to run (change nothing) when more objects than this are due for deletion;
        protects a bucket from a wrong O(src) or O(prefix).
    type: int
    default: 100
  state_key:
    description:
      - Key (under O(prefix)) of the JSON object where the module keeps what it needs between
        runs (headers applied per key, hashes of objects whose ETag is not an MD5, when each
        missing object was first seen missing). It is never published from O(src) nor deleted.
    type: str
    default: .s3-publish/state.json
  verify_metadata:
    description:
      - Read every object's headers with a HEAD request instead of trusting the state object
        (one request per object; for repairing a bucket changed by other tools).
    type: bool
    default: false
  concurrency:
    description: Number of parallel requests.
    type: int
    default: 16
  multipart_threshold:
    description: Files larger than this many bytes are uploaded in parts.
    type: int
    default: 67108864
  sse:
    description: Server-side encryption for uploads; empty leaves the bucket default.
    type: str
    default: ""
    choices: ["", AES256, "aws:kms"]
  sse_kms_key_id:
    description: KMS key for O(sse=aws:kms).
    type: str
notes:
  - Requests made are returned in RV(requests), so a run can be audited.
  - Check mode makes read requests only (the listing and the state object).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Publish the Astro build, Astro cache rules, keep old assets a week
  s3_publish:
    bucket: masclet-prod-frontend
    src: /srv/build/frontend/dist
  register: publish

- name: Invalidate only the pages that changed
  community.aws.cloudfront_invalidation:
    distribution_id: E123EXAMPLE
    target_paths: "{{ publish.invalidation_paths }}"
  when: publish.invalidation_paths | length > 0

- name: Own rules, delete at once (a preview bucket), at most 10 deletions
  s3_publish:
    bucket: masclet-preview
    src: dist
    prefix: pr-42
    delete_grace_seconds: 0
    max_deletions: 10
    cache_control_rules:
      - {pattern: "_astro/**", cache_control: "public, max-age=31536000, immutable"}
      - {pattern: "**.html", cache_control: "no-cache"}
      - {pattern: "fonts/**", cache_control: "public, max-age=2592000"}
    content_types:
      glb: model/gltf-binary
"""

RETURN = r"""
uploaded:
  description: Keys uploaded (new or changed content), assets first, then HTML.
  returned: always
  type: list
  elements: str
  sample: ["_astro/index.3f9a1c.js", "index.html"]
metadata_updated:
  description: Keys with unchanged content whose Content-Type or Cache-Control was fixed in place.
  returned: always
  type: list
  elements: str
deleted:
  description: Keys deleted (missing from the build for longer than the grace period).
  returned: always
  type: list
  elements: str
pending_deletions:
  description: Keys missing from the build but still within the grace period, with the seconds left.
  returned: always
  type: dict
  sample: {"_astro/index.0ab12c.js": 604790}
changed_paths:
  description: URL paths (leading slash) whose content or headers changed, or that were deleted.
  returned: always
  type: list
  elements: str
invalidation_paths:
  description:
    - Paths a CDN must invalidate - RV(changed_paths) minus content-hashed files, plus the folder
      URL of each changed C(index.html); collapsed to C(/*) past O(invalidation_max_paths).
  returned: always
  type: list
  elements: str
  sample: ["/index.html", "/"]
files:
  description: Number of files in the build.
  returned: always
  type: int
unchanged:
  description: Number of files already in the bucket with the right content and headers.
  returned: always
  type: int
bytes_uploaded:
  description: Bytes sent in uploads.
  returned: always
  type: int
requests:
  description: Requests made to S3, by operation.
  returned: always
  type: dict
  sample: {"ListObjectsV2": 1, "GetObject": 1, "PutObject": 1}
"""


# Our own table: the operating system's (mimetypes, /etc/mime.types) differs between machines
# and lacks some web types (webmanifest, avif, woff2 on older systems).
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "htm": "text/html; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "mjs": "text/javascript; charset=utf-8",
    "cjs": "text/javascript; charset=utf-8",
    "json": "application/json",
    "map": "application/json",
    "webmanifest": "application/manifest+json",
    "xml": "application/xml",
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "ico": "image/x-icon",
    "bmp": "image/bmp",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "eot": "application/vnd.ms-fontobject",
    "wasm": "application/wasm",
    "pdf": "application/pdf",
    "zip": "application/zip",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
}

STATE_VERSION = 1
_HASH_CHUNK = 1024 * 1024


def glob_to_regex(pattern):
    """Translate a glob where ``**`` crosses folders and ``*``/``?`` stay within one."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$")


class Rules:
    """Content-Type and Cache-Control for a key, from the module's tables and rules."""

    def __init__(self, params):
        self.types = dict(CONTENT_TYPES)
        self.types.update({k.lower().lstrip("."): v for k, v in params["content_types"].items()})
        self.default_type = params["default_content_type"]
        self.cache = [
            (glob_to_regex(r["pattern"]), r["cache_control"]) for r in params["cache_control_rules"]
        ]
        self.default_cache = params["default_cache_control"]
        self.hashed = [glob_to_regex(p) for p in params["hashed_patterns"]]

    def content_type(self, rel):
        ext = rel.rsplit(".", 1)[-1].lower() if "." in os.path.basename(rel) else ""
        return self.types.get(ext, self.default_type)

    def cache_control(self, rel):
        for regex, value in self.cache:
            if regex.match(rel):
                return value
        return self.default_cache

    def is_hashed(self, rel):
        return any(r.match(rel) for r in self.hashed)

    def headers(self, rel):
        return self.content_type(rel), self.cache_control(rel)


def fingerprint(content_type, cache_control):
    return hashlib.sha256(f"{content_type}\n{cache_control}".encode()).hexdigest()[:16]


def hash_file(path):
    md5 = hashlib.md5(usedforsecurity=False)
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            md5.update(chunk)
            sha.update(chunk)
    return md5.hexdigest(), sha.hexdigest()


def scan(src):
    """Every regular file under src, as {relative key: absolute path}; symlinks followed."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(src, followlinks=True):
        dirnames.sort()
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path):
                rel = os.path.relpath(path, src).replace(os.sep, "/")
                files[rel] = path
    return files


def is_html(rel):
    return rel.lower().endswith((".html", ".htm"))


class Publisher:
    def __init__(self, module):
        self.module = module
        p = module.params
        self.p = p
        self.bucket = p["bucket"]
        self.prefix = p["prefix"].strip("/")
        self.prefix_slash = self.prefix + "/" if self.prefix else ""
        self.state_key = self.prefix_slash + p["state_key"].lstrip("/")
        self.rules = Rules(p)
        self.counter = Counter()
        self.lock = threading.Lock()
        config = botocore.config.Config(
            max_pool_connections=max(10, p["concurrency"] + 2),
            retries={"mode": "standard", "max_attempts": 5},
        )
        self.s3 = self.client(config)

    def client(self, config):
        """An S3 client like AnsibleAWSModule.client(), minus date parsing.

        Listings carry a LastModified per object that this module never reads; botocore's
        date parsing of 2,000 of them costs more than the rest of a no-op run.
        """
        region, endpoint, params = get_aws_connection_info(self.module)
        config = config.merge(params.pop("aws_config", None) or botocore.config.Config())
        core = botocore.session.Session(profile=params.pop("profile_name", None))
        core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=str)
        session = boto3.session.Session(botocore_session=core)
        try:
            return session.client(
                "s3", region_name=region, endpoint_url=endpoint, config=config, **params
            )
        except (ValueError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg="Could not connect to AWS")

    # ---- requests -------------------------------------------------------------------
    def count(self, op, n=1):
        with self.lock:
            self.counter[op] += n

    def fail_s3(self, exc, action):
        code = ""
        if isinstance(exc, botocore.exceptions.ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket",):
            self.module.fail_json(
                msg=f"Bucket '{self.bucket}' does not exist: create it first (the provision phase "
                "does, or amazon.aws.s3_bucket), or set the right name. Nothing was published.",
                error_code=code,
            )
        if code in (
            "AccessDenied",
            "AllAccessDisabled",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
        ):
            self.module.fail_json(
                msg=f"S3 refused to {action} in bucket '{self.bucket}' ({code}): the credentials "
                "in use need s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on it "
                f"(check AWS_PROFILE / the IAM policy / the bucket policy). {exc}",
                error_code=code,
            )
        self.module.fail_json_aws(exc, msg=f"Could not {action} in bucket '{self.bucket}'")

    def list_remote(self):
        remote = {}
        kwargs = {"Bucket": self.bucket}
        if self.prefix:
            kwargs["Prefix"] = self.prefix_slash
        try:
            while True:
                self.count("ListObjectsV2")
                page = self.s3.list_objects_v2(**kwargs)
                for obj in page.get("Contents", []):
                    remote[obj["Key"]] = {"etag": obj["ETag"].strip('"'), "size": obj["Size"]}
                if not page.get("IsTruncated"):
                    break
                kwargs["ContinuationToken"] = page["NextContinuationToken"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.fail_s3(e, "list objects")
        return remote

    def read_state(self, exists):
        empty = {"version": STATE_VERSION, "objects": {}, "pending": {}}
        if not exists:
            return empty
        try:
            self.count("GetObject")
            body = self.s3.get_object(Bucket=self.bucket, Key=self.state_key)["Body"].read()
            state = json.loads(body)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.fail_s3(e, "read the state object")
        except ValueError:
            self.module.warn(
                f"State object s3://{self.bucket}/{self.state_key} is not JSON: rebuilt"
            )
            return empty
        if state.get("version") != STATE_VERSION:
            return empty
        state.setdefault("objects", {})
        state.setdefault("pending", {})
        return state

    def head(self, key):
        self.count("HeadObject")
        resp = self.s3.head_object(Bucket=self.bucket, Key=key)
        return {
            "etag": resp["ETag"].strip('"'),
            "sha256": resp.get("Metadata", {}).get("sha256", ""),
            "fp": fingerprint(resp.get("ContentType", ""), resp.get("CacheControl", "")),
        }

    def extra_args(self, rel, sha):
        content_type, cache_control = self.rules.headers(rel)
        args = {
            "ContentType": content_type,
            "CacheControl": cache_control,
            "Metadata": {"sha256": sha},
        }
        if self.p["sse"]:
            args["ServerSideEncryption"] = self.p["sse"]
            if self.p["sse"] == "aws:kms" and self.p["sse_kms_key_id"]:
                args["SSEKMSKeyId"] = self.p["sse_kms_key_id"]
        return args

    def upload(self, item):
        key, rel, path, _md5, sha, size = item
        args = self.extra_args(rel, sha)
        if size > self.p["multipart_threshold"]:
            cfg = TransferConfig(
                multipart_threshold=self.p["multipart_threshold"], use_threads=False
            )
            self.count("MultipartUpload")
            self.s3.upload_file(path, self.bucket, key, ExtraArgs=args, Config=cfg)
            self.count("HeadObject")
            etag = self.s3.head_object(Bucket=self.bucket, Key=key)["ETag"].strip('"')
        else:
            with open(path, "rb") as fh:
                body = fh.read()
            self.count("PutObject")
            etag = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, **args)["ETag"].strip(
                '"'
            )
        return key, etag

    def fix_metadata(self, item):
        key, rel, _path, _md5, sha, _size = item
        args = self.extra_args(rel, sha)
        self.count("CopyObject")
        resp = self.s3.copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": key},
            MetadataDirective="REPLACE",
            **args,
        )
        return key, resp["CopyObjectResult"]["ETag"].strip('"')

    def run_parallel(self, fn, items, action):
        if not items:
            return []
        try:
            with ThreadPoolExecutor(max_workers=self.p["concurrency"]) as pool:
                return list(pool.map(fn, items))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.fail_s3(e, action)
        except OSError as e:
            self.module.fail_json(msg=f"Could not read a file of the build: {e}")

    def delete(self, keys):
        for start in range(0, len(keys), 1000):
            batch = keys[start : start + 1000]
            try:
                self.count("DeleteObjects")
                resp = self.s3.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                self.fail_s3(e, "delete objects")
            if resp.get("Errors"):
                err = resp["Errors"][0]
                self.module.fail_json(
                    msg=f"S3 refused to delete {len(resp['Errors'])} objects in '{self.bucket}', "
                    f"e.g. {err.get('Key')}: {err.get('Code')} {err.get('Message')}"
                )

    def write_state(self, state):
        body = json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
        try:
            self.count("PutObject")
            self.s3.put_object(
                Bucket=self.bucket,
                Key=self.state_key,
                Body=body,
                ContentType="application/json",
                CacheControl="no-store",
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.fail_s3(e, "write the state object")

    # ---- the plan ---------------------------------------------------------------------
    def main(self):
        src = self.p["src"]
        files = scan(src) if os.path.isdir(src) else {}
        state_rel = self.p["state_key"].lstrip("/")
        files.pop(state_rel, None)
        if not files:
            why = "does not exist" if not os.path.isdir(src) else "is empty"
            self.module.fail_json(
                msg=f"The build folder {src} {why}: nothing was published and nothing deleted. "
                "Run the build first (npm run build) and check src.",
                changed=False,
            )

        remote = self.list_remote()
        state = self.read_state(self.state_key in remote)
        remote.pop(self.state_key, None)
        old_state = json.dumps(state, sort_keys=True)
        objects = state["objects"]

        # Hash every local file (threads: hashlib releases the GIL on large buffers).
        rels = sorted(files)
        with ThreadPoolExecutor(max_workers=min(8, self.p["concurrency"])) as pool:
            hashes = dict(zip(rels, pool.map(lambda r: hash_file(files[r]), rels), strict=True))

        # Objects the state cannot vouch for (unknown to it, or verify_metadata): one HEAD each.
        need_head = []
        for rel in rels:
            key = self.prefix_slash + rel
            if key in remote and (self.p["verify_metadata"] or key not in objects):
                need_head.append(key)
        heads = {}
        if need_head:
            try:
                with ThreadPoolExecutor(max_workers=self.p["concurrency"]) as pool:
                    heads = dict(zip(need_head, pool.map(self.head, need_head), strict=True))
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                self.fail_s3(e, "read object metadata")

        uploads, fixes = [], []
        new_objects = {}
        unchanged = 0
        for rel in rels:
            key = self.prefix_slash + rel
            md5, sha = hashes[rel]
            want_fp = fingerprint(*self.rules.headers(rel))
            item = (key, rel, files[rel], md5, sha, os.path.getsize(files[rel]))
            rem = remote.get(key)
            if rem is None:
                uploads.append(item)
                new_objects[key] = {"fp": want_fp}
                continue
            known = heads.get(key) or objects.get(key, {})
            # Same content: the ETag is the MD5 (simple upload, SSE-S3), or the ETag is the one
            # recorded with our SHA-256 (multipart, SSE-KMS), or HEAD showed our SHA-256.
            same = (
                rem["etag"] == md5
                or (known.get("etag") == rem["etag"] and known.get("sha256") == sha)
                or (key in heads and heads[key]["sha256"] == sha)
            )
            if not same:
                uploads.append(item)
                new_objects[key] = {"fp": want_fp}
                continue
            entry = {"fp": known.get("fp", "")}
            if rem["etag"] != md5:
                entry.update(etag=rem["etag"], sha256=sha)
            if entry["fp"] != want_fp:
                fixes.append(item)
                entry["fp"] = want_fp
            else:
                unchanged += 1
            new_objects[key] = entry

        # Deletions: objects not in the build, after the grace period.
        now = int(time.time())
        local_keys = {self.prefix_slash + r for r in rels}
        pending = {}
        due = []
        if self.p["delete"]:
            for key in sorted(set(remote) - local_keys):
                first = int(state["pending"].get(key, now))
                if now - first >= self.p["delete_grace_seconds"]:
                    due.append(key)
                else:
                    pending[key] = first
        if len(due) > self.p["max_deletions"]:
            self.module.fail_json(
                msg=f"{len(due)} objects are due for deletion in '{self.bucket}', more than "
                f"max_deletions={self.p['max_deletions']}: nothing was changed. Check src and "
                "prefix; raise max_deletions if this is intended.",
                due_for_deletion=due[:50],
                changed=False,
            )

        # Assets first, then HTML: a page never points at an asset not uploaded yet.
        uploads.sort(key=lambda it: (is_html(it[1]), it[1]))
        fixes.sort(key=lambda it: (is_html(it[1]), it[1]))
        uploaded = [it[0] for it in uploads]
        fixed = [it[0] for it in fixes]

        new_state = {"version": STATE_VERSION, "objects": new_objects, "pending": pending}
        result = self.result(rels, uploaded, fixed, due, pending, now, unchanged, uploads)
        changed = bool(uploaded or fixed or due)
        if self.module._diff:
            result["diff"] = {"prepared": self.diff_text(uploads, fixes, due, remote)}

        if self.module.check_mode:
            self.module.exit_json(changed=changed, **result)

        for phase in (False, True):
            for fn, items, action in (
                (self.upload, uploads, "upload objects"),
                (self.fix_metadata, fixes, "update object metadata"),
            ):
                batch = [it for it in items if is_html(it[1]) == phase]
                for key, etag in self.run_parallel(fn, batch, action):
                    md5, sha = hashes[key[len(self.prefix_slash) :]]
                    if etag != md5:
                        new_objects[key].update(etag=etag, sha256=sha)
                    else:
                        new_objects[key].pop("etag", None)
                        new_objects[key].pop("sha256", None)
        if due:
            self.delete(due)
        if json.dumps(new_state, sort_keys=True) != old_state:
            self.write_state(new_state)
        result["requests"] = dict(self.counter)
        self.module.exit_json(changed=changed, **result)

    def result(self, rels, uploaded, fixed, due, pending, now, unchanged, uploads):
        pl = len(self.prefix_slash)
        changed_rel = [k[pl:] for k in uploaded + fixed + due]
        paths = ["/" + k for k in uploaded + fixed + due]
        inval = []
        for rel in changed_rel:
            if self.rules.is_hashed(rel):
                continue
            inval.append("/" + self.prefix_slash + rel)
            if rel == "index.html" or rel.endswith("/index.html"):
                inval.append("/" + self.prefix_slash + rel[: -len("index.html")])
        inval = sorted(set(inval))
        if len(inval) > self.p["invalidation_max_paths"]:
            inval = ["/" + self.prefix_slash + "*"]
        grace = self.p["delete_grace_seconds"]
        return {
            "uploaded": uploaded,
            "metadata_updated": fixed,
            "deleted": due,
            "pending_deletions": {k: max(0, grace - (now - t)) for k, t in pending.items()},
            "changed_paths": paths,
            "invalidation_paths": inval,
            "files": len(rels),
            "unchanged": unchanged,
            "bytes_uploaded": sum(it[5] for it in uploads),
            "requests": dict(self.counter),
        }

    @staticmethod
    def diff_text(uploads, fixes, due, remote):
        lines = []
        for it in uploads:
            verb = "update" if it[0] in remote else "add"
            lines.append(f"+ {verb} {it[0]} ({it[5]} bytes)")
        lines.extend(f"~ headers {it[0]}" for it in fixes)
        lines.extend(f"- delete {k}" for k in due)
        return "\n".join(lines) + ("\n" if lines else "")


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        src=dict(type="path", required=True),
        prefix=dict(type="str", default=""),
        cache_control_rules=dict(
            type="list",
            elements="dict",
            default=[
                {"pattern": "_astro/**", "cache_control": "public, max-age=31536000, immutable"},
                {"pattern": "**.html", "cache_control": "no-cache"},
            ],
            options=dict(
                pattern=dict(type="str", required=True),
                cache_control=dict(type="str", required=True),
            ),
        ),
        default_cache_control=dict(type="str", default="public, max-age=300"),
        content_types=dict(type="dict", default={}),
        default_content_type=dict(type="str", default="application/octet-stream"),
        hashed_patterns=dict(type="list", elements="str", default=["_astro/**"]),
        invalidation_max_paths=dict(type="int", default=15),
        delete=dict(type="bool", default=True),
        delete_grace_seconds=dict(type="int", default=604800),
        max_deletions=dict(type="int", default=100),
        state_key=dict(type="str", default=".s3-publish/state.json", no_log=False),
        verify_metadata=dict(type="bool", default=False),
        concurrency=dict(type="int", default=16),
        multipart_threshold=dict(type="int", default=64 * 1024 * 1024),
        sse=dict(type="str", default="", choices=["", "AES256", "aws:kms"]),
        sse_kms_key_id=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    for name in ("concurrency", "max_deletions", "delete_grace_seconds", "invalidation_max_paths"):
        if module.params[name] < (1 if name == "concurrency" else 0):
            module.fail_json(
                msg=f"{name} must be {'at least 1' if name == 'concurrency' else '>= 0'}"
            )
    if module.params["multipart_threshold"] < 5 * 1024 * 1024:
        module.fail_json(msg="multipart_threshold must be at least 5 MiB (S3's smallest part)")
    Publisher(module).main()


if __name__ == "__main__":
    main()
