"""Print where the demo's site is and how long each phase took.

Reads the log of `make demo` (ansible-playbook output with the profile_tasks
callback, whose task banners carry the run's elapsed time).
"""

import re
import ssl
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAY = re.compile(r"^PLAY \[(?P<name>[^\]]+)\]")
ELAPSED = re.compile(r"\(\d+:\d\d:\d\d\.\d+\)\s+(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d\.\d+)")
RECAP = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


def phase_times(lines):
    """Seconds per play name (plays with the same name are added up)."""
    times, current, start, last = {}, None, 0.0, 0.0
    for line in lines:
        if m := PLAY.match(line):
            if current:
                times[current] = times.get(current, 0.0) + last - start
            current, start = m["name"], last
        elif m := ELAPSED.search(line):
            last = int(m["h"]) * 3600 + int(m["m"]) * 60 + float(m["s"])
    if current:
        times[current] = times.get(current, 0.0) + last - start
    return times


def save_pebble_root() -> None:
    """pebble makes a new root at every start; save the current one for curl."""
    ctx = ssl.create_default_context(cafile=str(ROOT / ".local/pebble/ca.pem"))
    with urllib.request.urlopen("https://127.0.0.1:15000/roots/0", context=ctx, timeout=5) as r:
        (ROOT / ".local/pebble-roots.pem").write_bytes(r.read())


def main(log_path: str) -> int:
    save_pebble_root()
    lines = Path(log_path).read_text().splitlines()
    print("\n== Masclet Imperi Web, local environment ==")
    print(
        "API:       https://api.masclet.test  (nginx in the masclet-local container, on 127.0.0.2)"
    )
    print(
        "  curl --resolve api.masclet.test:443:127.0.0.2 --cacert .local/pebble-roots.pem "
        "https://api.masclet.test/health"
    )
    print("  (.local/pebble-roots.pem is pebble's issuing root, saved by this summary)")
    print("Site:      https://masclet.test  (server-rendered by Node behind the same nginx)")
    print(
        "  curl --resolve masclet.test:443:127.0.0.2 --cacert .local/pebble-roots.pem "
        "https://masclet.test/login"
    )
    print("Admin:     user admin, password in .local/secrets/admin-password (0600, not in git)")
    known = Path(".local/masclet-local.known_hosts")
    if known.exists() and known.read_text().split():
        instance = known.read_text().split()[0]
        print(f"Host:      instance {instance}, over SSH as admin (its host key verified):")
        print(
            "  ssh -i .local/masclet-local.pem"
            " -o UserKnownHostsFile=.local/masclet-local.known_hosts"
            f" -o HostKeyAlias={instance} admin@127.0.0.2"
        )
    print("AWS API:   http://127.0.0.1:4566 (moto; AWS_ACCESS_KEY_ID=testing)")
    print("\nPhase timings (s):")
    for name, seconds in phase_times(lines).items():
        print(f"  {name:<24} {seconds:7.1f}")
    for host, changed, unreachable, failed in RECAP.findall("\n".join(lines)):
        print(f"Recap {host}: changed={changed} unreachable={unreachable} failed={failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".local/logs/demo.log")))
