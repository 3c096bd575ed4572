"""Publishing a static build to S3: library/s3_publish.py beside `aws s3 sync` and s3_sync.

A generated Astro-like build (hashed assets under _astro/, one index.html per page) is
published by the three tools, each into its own bucket on the local AWS API (moto on
127.0.0.1:4566), in three steps:

* first   - an empty bucket;
* noop    - the same build again, untouched;
* rebuild - every file rewritten with the same bytes (new modification times), and one page
            changed keeping its size.

Times are wall-clock seconds of the whole command (the two Ansible modules include
ansible's own start-up). API calls are counted by operation name in every process through
bench/_count/sitecustomize.py (a botocore hook loaded from PYTHONPATH): a "PUT" is a
PutObject or UploadPart call; CopyObject is reported apart.

    python bench/run.py --only publish
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
ENDPOINT = os.environ.get("BENCH_AWS_ENDPOINT", "http://127.0.0.1:4566")
REGION = "eu-west-1"
PUT_OPS = ("PutObject", "UploadPart")
TOOLS = ("publish", "awscli", "s3sync")


def generate(site: Path, assets: int, pages: int, seed: int = 6) -> list[str]:
    """Write an Astro-like build; return the relative paths, assets first."""
    rnd = random.Random(seed)
    if site.exists():
        shutil.rmtree(site)
    kinds = [("js", 0.4), ("css", 0.2), ("png", 0.2), ("woff2", 0.1), ("svg", 0.1)]
    rels: list[str] = []
    contents: dict[str, bytes] = {}
    for i in range(assets):
        ext = rnd.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        rel = f"_astro/chunk{i}.{rnd.getrandbits(32):08x}.{ext}"
        size = rnd.randint(300, 16000)
        if ext in ("png", "woff2"):
            body = rnd.randbytes(size)
        else:
            body = (f"/* {rel} */\n" + "x" * size).encode()
        contents[rel] = body
        rels.append(rel)
    asset_names = list(rels)
    for i in range(pages):
        rel = "index.html" if i == 0 else f"page-{i}/index.html"
        refs = "".join(f'<script src="/{a}"></script>' for a in rnd.sample(asset_names, 4))
        filler = "<p>" + "lorem ipsum " * rnd.randint(200, 700) + "</p>"
        contents[rel] = (
            f"<!doctype html><html><head>{refs}</head><body>{filler}</body></html>".encode()
        )
        rels.append(rel)
    write(site, contents)
    return rels


def write(site: Path, contents: dict[str, bytes]) -> None:
    for rel, body in contents.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def rebuild(site: Path) -> str:
    """Rewrite every file with its own bytes (new mtimes); change one page keeping its size."""
    files = sorted(p for p in site.rglob("*") if p.is_file())
    later = time.time() + 2
    for path in files:
        body = path.read_bytes()
        path.write_bytes(body)
        os.utime(path, (later, later))
    page = site / "page-1" / "index.html"
    body = page.read_bytes()
    i = body.index(b"lorem")
    page.write_bytes(body[:i] + b"LOREM" + body[i + 5 :])
    return "page-1/index.html"


class Runner:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.count_file = workdir / "calls.log"
        self.env = dict(
            os.environ,
            PATH=f"{VENV_BIN}:{os.environ.get('PATH', '')}",
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_INVENTORY_ENABLED="host_list",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
            AWS_ENDPOINT_URL=ENDPOINT,
            PYTHONPATH=str(ROOT / "bench" / "_count"),
            BENCH_COUNT_FILE=str(self.count_file),
        )
        self.env.pop("AWS_PROFILE", None)

    def timed(self, cmd: list[str]) -> tuple[float, Counter, str]:
        self.count_file.unlink(missing_ok=True)
        start = time.perf_counter()
        proc = subprocess.run(
            cmd,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}")
        calls = Counter()
        if self.count_file.exists():
            calls.update(self.count_file.read_text().split())
        return elapsed, calls, proc.stdout

    def ansible(self, module: str, args: dict) -> list[str]:
        return [
            str(VENV_BIN / "ansible"),
            "localhost",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={VENV_BIN / 'python'}",
            "-m",
            module,
            "-a",
            json.dumps(args),
        ]

    def command(self, tool: str, bucket: str, site: Path) -> list[str]:
        if tool == "publish":
            return self.ansible(
                "s3_publish",
                {
                    "bucket": bucket,
                    "src": str(site),
                    "endpoint_url": ENDPOINT,
                    "delete_grace_seconds": 0,
                    "max_deletions": 10000,
                },
            )
        if tool == "awscli":
            return [
                str(VENV_BIN / "aws"),
                "--endpoint-url",
                ENDPOINT,
                "s3",
                "sync",
                "--no-progress",
                "--delete",
                str(site),
                f"s3://{bucket}/",
            ]
        return self.ansible(
            "community.aws.s3_sync",
            {
                "bucket": bucket,
                "file_root": str(site),
                "mode": "push",
                "file_change_strategy": "checksum",
                "delete": True,
                "endpoint_url": ENDPOINT,
            },
        )


def s3_client():
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def bucket_contents(s3, bucket: str) -> dict[str, str]:
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        out.update({o["Key"]: o["ETag"] for o in page.get("Contents", [])})
    return out


def drop_bucket(s3, bucket: str) -> None:
    keys = list(bucket_contents(s3, bucket))
    for i in range(0, len(keys), 1000):
        s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i : i + 1000]]}
        )
    s3.delete_bucket(Bucket=bucket)


def measure(workdir: Path, assets: int = 1500, pages: int = 500, rounds: int = 1) -> dict:
    """Run the three steps for the three tools ``rounds`` times (fresh buckets and build each
    round); times are the median over the rounds, counts must agree between rounds."""
    runs = [one_round(workdir, assets, pages) for _ in range(rounds)]
    figures = dict(runs[0])
    for name, value in runs[0].items():
        if name.endswith("_s"):
            figures[name] = round(statistics.median(r[name] for r in runs), 2)
        elif name.endswith("_puts") and any(r[name] != value for r in runs):
            raise RuntimeError(f"{name} differs between rounds: {[r[name] for r in runs]}")
    figures["rounds"] = rounds
    figures["times_per_round"] = {
        name: [r[name] for r in runs] for name in runs[0] if name.endswith("_s")
    }
    return figures


def one_round(workdir: Path, assets: int, pages: int) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    site = workdir / "site"
    rels = generate(site, assets, pages)
    runner = Runner(workdir)
    s3 = s3_client()
    stamp = f"{int(time.time())}-{os.getpid()}"
    buckets = {tool: f"bench-{tool}-{stamp}" for tool in TOOLS}
    for bucket in buckets.values():
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    figures: dict = {}
    calls: dict = {}
    try:
        for step in ("first", "noop", "rebuild"):
            if step == "rebuild":
                changed = rebuild(site)
                figures["rebuild_changed_file"] = changed
            for tool in TOOLS:
                elapsed, counted, _out = runner.timed(runner.command(tool, buckets[tool], site))
                figures[f"{tool}_{step}_s"] = round(elapsed, 2)
                figures[f"{tool}_{step}_puts"] = sum(counted[op] for op in PUT_OPS)
                calls[f"{tool}_{step}"] = dict(counted)
        # Every tool must end with the same bytes in its bucket.
        expected = bucket_contents(s3, buckets["awscli"])
        for tool in ("publish", "s3sync"):
            got = {k: v for k, v in bucket_contents(s3, buckets[tool]).items() if k in expected}
            if got != expected:
                raise RuntimeError(f"{tool}'s bucket differs from aws s3 sync's")
        figures["files"] = len(rels)
    finally:
        for bucket in buckets.values():
            drop_bucket(s3, bucket)
    figures["calls"] = calls
    return figures


NAMES = (
    "publish_first_s",
    "publish_noop_s",
    "publish_noop_puts",
    "publish_rebuild_s",
    "publish_rebuild_puts",
    "awscli_first_s",
    "awscli_noop_s",
    "awscli_rebuild_s",
    "awscli_rebuild_puts",
    "s3sync_first_s",
    "s3sync_noop_s",
    "s3sync_rebuild_s",
    "s3sync_rebuild_puts",
)


def run(workdir: Path) -> dict:
    figures = measure(workdir, rounds=int(os.environ.get("BENCH_PUBLISH_ROUNDS", "3")))
    detail = {k: figures[k] for k in ("calls", "times_per_round", "rounds")}
    (workdir / "detail.json").write_text(json.dumps(detail, indent=2, sort_keys=True))
    return {name: figures[name] for name in NAMES}


if __name__ == "__main__":
    out = measure(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "work" / "publish")
    print(json.dumps(out, indent=2, sort_keys=True))
