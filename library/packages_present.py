#!/usr/bin/python
# Copyright: (c) 2026, Masclet Imperi Web deployment project
# MIT License (see the project's README)
"""Make sure Debian packages are installed, asking dpkg first and apt only when one is missing."""

from __future__ import annotations

import os
import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.locale import get_best_parsable_locale

DOCUMENTATION = r"""
---
module: packages_present
short_description: Install the Debian packages that are missing, asking dpkg first
version_added: "1.0.0"
description:
  - Asks C(dpkg-query) which of the packages in O(name) are not installed, and installs only
    those with C(apt-get install). When all of them are installed, nothing else runs; apt's
    cache is never opened, which is what makes a converged host's run fast (C(dpkg-query)
    answers in a fraction of the time apt takes to open its cache).
  - A package counts as installed when dpkg's status says so (C(ii), or C(hi) when held).
    A name dpkg does not know, or one removed with its configuration kept (C(rc)), is missing.
  - Before installing, the package lists are refreshed with C(apt-get update) when they are
    older than O(cache_valid_time), the way M(ansible.builtin.apt) decides. When the install
    fails on lists that were not refreshed in this run (a package the lists do not know yet,
    a file the mirror no longer has), they are refreshed and the install tried once more.
  - The install runs like M(ansible.builtin.apt)'s by default, unattended, and keeps the
    configuration files already on the host (C(--force-confdef), C(--force-confold)).
  - Afterwards dpkg is asked again, and the module fails naming any package still not
    installed.
  - Supports check mode (reports the missing packages, changes nothing, never runs apt) and
    diff.
author:
  - Masclet Imperi Web deployment project
options:
  name:
    description:
      - The packages, by name, optionally with an architecture (C(libc6:amd64)). Versions and
        releases (C(foo=1.2), C(foo/bookworm-backports)) are not accepted; this module only
        makes sure a package is there.
    type: list
    elements: str
    required: true
  cache_valid_time:
    description:
      - Refresh the package lists before installing when they are older than this many
        seconds. C(0) refreshes them before every install. Nothing is refreshed when no
        package is missing.
    type: int
    default: 3600
  install_recommends:
    description:
      - V(true) installs the packages' recommended packages too, V(false) does not.
      - Unset, the host's APT configuration decides (on Debian, it installs them), as with
        M(ansible.builtin.apt).
    type: bool
  lock_timeout:
    description:
      - Seconds C(apt-get) waits for dpkg's lock held by another run (unattended-upgrades),
        as with M(ansible.builtin.apt).
    type: int
    default: 60
notes:
  - Runs on the target host, which needs C(dpkg-query) and C(apt-get) (Debian and derivatives).
  - Installing needs root (C(become)); finding that nothing is missing does not.
seealso:
  - module: ansible.builtin.apt
"""

EXAMPLES = r"""
- name: Web | packages
  packages_present:
    name: [nginx, certbot, python3-cryptography, openssl]

- name: Without their recommended packages, on lists up to a day old
  packages_present:
    name: postgresql-client
    install_recommends: false
    cache_valid_time: 86400
"""

RETURN = r"""
missing:
  description: The packages that were not installed when the module started.
  returned: always
  type: list
  elements: str
  sample: [nginx, certbot]
installed:
  description: The packages this run installed (in check mode, would install).
  returned: always
  type: list
  elements: str
  sample: [nginx, certbot]
cache_updated:
  description: Whether the package lists were refreshed (C(apt-get update)).
  returned: always
  type: bool
  sample: false
"""

# Debian policy: lower case letters, digits, +, - and ., two characters at least, starting
# with a letter or digit; an architecture may follow a colon.
NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$")
APT_LISTS = "/var/lib/apt/lists"
# apt's own hook touches it after every successful update (/etc/apt/apt.conf.d/15update-stamp).
UPDATE_STAMP = "/var/lib/apt/periodic/update-success-stamp"
# The second letter of ${db:Status-Abbrev} is the package's state, `i` installed: `ii`, and
# `hi` when held (apt-get install would leave a held package as it is, and it is there).
INSTALLED = "i"
FORMAT = "${Package}\t${Architecture}\t${db:Status-Abbrev}\n"


def statuses(module, dpkg_query: str, names: list[str]) -> dict[str, str]:
    """dpkg's status of each name (`ii`, `rc`, ...), `` for a name dpkg does not know."""
    rc, out, err = module.run_command([dpkg_query, "--show", f"--showformat={FORMAT}", *names])
    # 1 is "no packages found matching" some name; anything else is dpkg-query failing.
    if rc not in (0, 1):
        module.fail_json(msg=f"dpkg-query failed: {err.strip()}", rc=rc)
    rows = [line.split("\t") for line in out.splitlines() if line.count("\t") == 2]
    found = {}
    for name in names:
        package, _, arch = name.partition(":")
        # One line per package and architecture (libc6 and libc6:amd64 share one).
        codes = [
            status.strip()
            for pkg, pkg_arch, status in rows
            if pkg == package and (not arch or pkg_arch in (arch, "all"))
        ]
        installed = [code for code in codes if code[1:2] == INSTALLED]
        found[name] = (installed or codes or [""])[0]
    return found


def missing_of(found: dict[str, str]) -> list[str]:
    return [name for name, code in found.items() if code[1:2] != INSTALLED]


def lists_age() -> float:
    """Seconds since the package lists were refreshed; infinite when there are none."""
    try:
        if not any("_Packages" in entry for entry in os.listdir(APT_LISTS)):
            return float("inf")  # an image's emptied lists: their mtime says nothing
    except OSError:
        return float("inf")
    path = UPDATE_STAMP if os.path.exists(UPDATE_STAMP) else APT_LISTS
    return time.time() - os.stat(path).st_mtime


def apt_get(module, args: list[str], what: str, fail: bool = True):
    lock = f"DPkg::Lock::Timeout={module.params['lock_timeout']}"
    rc, out, err = module.run_command(
        [module.get_bin_path("apt-get", required=True), "-o", lock, *args]
    )
    if rc != 0 and fail:
        module.fail_json(
            msg=f"{what} failed: {err.strip() or out.strip()[-2000:]}",
            rc=rc,
            stdout=out,
            stderr=err,
        )
    return rc, out, err


def install(module, missing: list[str]) -> bool:
    """apt-get install the missing packages; True when the lists were refreshed first."""
    # apt's messages in a language the failures can be read in, and no questions asked (only
    # here: finding the locale runs `locale -a`, which a converged host's run does without).
    locale = get_best_parsable_locale(module)
    module.run_command_environ_update = dict(
        DEBIAN_FRONTEND="noninteractive",
        DEBIAN_PRIORITY="critical",
        LANG=locale,
        LC_ALL=locale,
        LC_MESSAGES=locale,
        LANGUAGE=locale,
    )
    cmd = [
        "-y",
        "-o",
        "Dpkg::Options::=--force-confdef",
        "-o",
        "Dpkg::Options::=--force-confold",
    ]
    if module.params["install_recommends"] is not None:
        cmd += [
            "-o",
            f"APT::Install-Recommends={'yes' if module.params['install_recommends'] else 'no'}",
        ]
    cmd += ["install", *missing]
    updated = False
    if lists_age() > module.params["cache_valid_time"]:
        apt_get(module, ["update"], "apt-get update")
        updated = True
    rc, _, _ = apt_get(module, cmd, f"apt-get install {' '.join(missing)}", fail=updated)
    if rc != 0:
        # Lists a mirror has moved on from, or that predate a package: refresh, try once more.
        apt_get(module, ["update"], "apt-get update")
        apt_get(module, cmd, f"apt-get install {' '.join(missing)}")
        updated = True
    return updated


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="list", elements="str", required=True),
            cache_valid_time=dict(type="int", default=3600),
            install_recommends=dict(type="bool"),
            lock_timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    names = list(dict.fromkeys(n.strip() for n in module.params["name"]))
    if not names or "" in names:
        module.fail_json(
            msg=f"name must list one package or more, none empty (got {module.params['name']})"
        )
    bad = [n for n in names if not NAME.match(n)]
    if bad:
        module.fail_json(
            msg=f"not package names (no versions, releases or patterns): {', '.join(bad)}"
        )
    if module.params["cache_valid_time"] < 0 or module.params["lock_timeout"] < 0:
        module.fail_json(msg="cache_valid_time and lock_timeout must be 0 or more seconds")

    dpkg_query = module.get_bin_path("dpkg-query", required=True)
    missing = missing_of(statuses(module, dpkg_query, names))
    result = dict(changed=bool(missing), missing=missing, installed=missing, cache_updated=False)
    if not missing:
        result["installed"] = []
        module.exit_json(**result)
    if module._diff:
        result["diff"] = dict(
            before="".join(f"{n}: not installed\n" for n in missing),
            after="".join(f"{n}: installed\n" for n in missing),
            before_header="dpkg",
            after_header="dpkg",
        )
    if module.check_mode:
        module.exit_json(**result)

    result["cache_updated"] = install(module, missing)
    after = statuses(module, dpkg_query, missing)
    still = missing_of(after)
    result["installed"] = [n for n in missing if n not in still]
    if still:
        module.fail_json(
            msg="still not installed after apt-get install: "
            + ", ".join(f"{n} ({after[n] or 'unknown to dpkg'})" for n in still)
            + " (a half-installed package may need `dpkg --configure -a`)",
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
