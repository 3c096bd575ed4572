#!/usr/bin/python
# Copyright: (c) 2026, Masclet Imperi Web deployment project
# MIT License (see the project's README)
"""Is an RDS instance class offered for an engine (and major version) in a region?"""

from __future__ import annotations

try:
    import botocore
except ImportError:  # AnsibleAWSModule reports the missing library
    botocore = None

from ansible.module_utils import masclet_aws as aws
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: rds_offering_info
short_description: Check that an RDS instance class is offered before provisioning
version_added: "1.0.0"
description:
  - Asks RDS which instance classes it offers for O(engine) (and O(engine_version), a major
    version such as C(16) or a full one) in the region, and tells whether O(instance_class) is
    one of them, so that a mistyped or unavailable class stops a run before anything is made.
  - An endpoint that lists no offering at all for the engine (a local stand-in of the RDS API
    has no catalogue; AWS always has one) is reported with RV(catalogue_known=false) rather than
    as a class that is not offered.
  - The collections offer no module for C(DescribeOrderableDBInstanceOptions).
  - Read-only; never changes anything, so it runs unchanged in check mode.
author:
  - Masclet Imperi Web deployment project
options:
  instance_class:
    description: The DB instance class to check, for example C(db.t4g.micro).
    type: str
    required: true
  engine:
    description: The RDS engine.
    type: str
    default: postgres
  engine_version:
    description:
      - A major version (C(16)) matches every minor release of it; a full version (C(16.4))
        matches only itself. Empty matches every version.
    type: str
    default: ""
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs C(rds:DescribeOrderableDBInstanceOptions).
"""

EXAMPLES = r"""
- name: Is db.t4g.micro offered for PostgreSQL 16 in eu-west-1?
  rds_offering_info:
    region: eu-west-1
    instance_class: db.t4g.micro
    engine_version: "16"
  register: rds_offering

- name: Stop when it is not
  ansible.builtin.assert:
    that: rds_offering.instance_class_offered or not rds_offering.catalogue_known
"""

RETURN = r"""
catalogue_known:
  description: Whether the endpoint lists any offering for O(engine) in the region.
  returned: always
  type: bool
instance_class_offered:
  description: Whether O(instance_class) is offered for O(engine) and O(engine_version).
  returned: when RV(catalogue_known) is true
  type: bool
engine_versions:
  description: The engine versions that offer O(instance_class), oldest first.
  returned: when RV(instance_class_offered) is true
  type: list
  elements: str
  sample: ["16.3", "16.4"]
storage_types:
  description: The storage types O(instance_class) supports with those versions.
  returned: when RV(instance_class_offered) is true
  type: list
  elements: str
  sample: [gp2, gp3, io1]
offered_classes:
  description:
    - Classes offered for O(engine) and O(engine_version), to suggest one (from the first 500
      options RDS lists, so a sample rather than every class).
  returned: when RV(catalogue_known) is true and O(instance_class) is not offered
  type: list
  elements: str
"""

_ACCESS = "grant rds:DescribeOrderableDBInstanceOptions to this identity"


def version_matches(version: str, wanted: str) -> bool:
    """'16' matches 16.x; '16.4' only 16.4; '' everything."""
    return not wanted or version == wanted or version.startswith(wanted + ".")


def options(module, client, limit=None, **filters):
    """The orderable options matching the filters (at most ``limit``), one retried pagination."""
    config = {"PaginationConfig": {"MaxItems": limit}} if limit else {}
    pages = client.get_paginator("describe_orderable_db_instance_options")
    try:
        return [
            option
            for page in aws.retrying(lambda: list(pages.paginate(**filters, **config)))()
            for option in page.get("OrderableDBInstanceOptions", [])
        ]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        aws.refuse(module, exc, "list the RDS instance classes offered in the region", _ACCESS)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            instance_class=dict(type="str", required=True),
            engine=dict(type="str", default="postgres"),
            engine_version=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    if not module.region:
        module.fail_json(msg="no region: set aws_region (or AWS_REGION)")
    engine = module.params["engine"]
    wanted_version = module.params["engine_version"]
    wanted_class = module.params["instance_class"]
    client = aws.client(module, "rds")

    result = dict(changed=False)
    for_class = [
        o
        for o in options(module, client, Engine=engine, DBInstanceClass=wanted_class)
        # The filter again here: an API that ignores DBInstanceClass must not pass any class.
        if o.get("DBInstanceClass") == wanted_class
        and version_matches(o.get("EngineVersion", ""), wanted_version)
    ]
    if for_class:
        result.update(
            catalogue_known=True,
            instance_class_offered=True,
            engine_versions=sorted(
                {o["EngineVersion"] for o in for_class},
                key=lambda v: [int(p) if p.isdigit() else 0 for p in v.split(".")],
            ),
            storage_types=sorted({o.get("StorageType", "") for o in for_class} - {""}),
        )
        module.exit_json(**result)

    # Not offered, or no catalogue at all: the engine's own list tells which. AWS lists
    # thousands of options for an engine; a few pages are enough to suggest a class.
    listed = options(module, client, limit=500, Engine=engine)
    sample = [o for o in listed if version_matches(o.get("EngineVersion", ""), wanted_version)]
    result["catalogue_known"] = bool(listed)
    if result["catalogue_known"]:
        result["instance_class_offered"] = False
        result["offered_classes"] = sorted({o["DBInstanceClass"] for o in sample})
    else:
        aws.warn(
            f"the RDS API here lists no {engine} offering at all (a stand-in without RDS's "
            f"catalogue?): {wanted_class} is checked only when the database is created"
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
