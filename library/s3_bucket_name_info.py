#!/usr/bin/python
# Copyright: (c) 2026, Masclet Imperi Web deployment project
# MIT License (see the project's README)
"""Are S3 bucket names this account's, free, or held by another account?"""

from __future__ import annotations

try:
    import botocore
except ImportError:  # AnsibleAWSModule reports the missing library
    botocore = None

from ansible.module_utils import masclet_aws as aws
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: s3_bucket_name_info
short_description: Tell whether S3 bucket names are free, this account's, or another's
version_added: "1.0.0"
description:
  - Bucket names are global across every AWS account. Before creating anything, tells for each
    of O(names) whether this account owns it (C(ListBuckets)), whether nobody does
    (C(HeadBucket) answers 404), or whether another account holds it (it exists but is not in
    this account's list; AWS answers 403 or a redirect to its region).
  - Provision runs it in preflight so that a taken name stops the run before the key pair,
    security group and IAM role exist. C(amazon.aws.s3_bucket_info) lists only the account's
    own buckets and says nothing about the others.
  - Read-only; never changes anything, so it runs unchanged in check mode.
author:
  - Masclet Imperi Web deployment project
options:
  names:
    description: Bucket names to look up.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs C(s3:ListAllMyBuckets), and C(s3:ListBucket) on the account's own buckets.
"""

EXAMPLES = r"""
- name: Who holds the names the project will create?
  s3_bucket_name_info:
    names: [masclet-prod-backups, masclet-prod-frontend]
  register: buckets

- name: Stop when another account holds one
  ansible.builtin.assert:
    that: buckets.taken | length == 0
"""

RETURN = r"""
buckets:
  description: One entry per name, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The bucket name.
      type: str
    state:
      description: C(owned) (this account's), C(free) (nobody's), or C(taken) (another account's).
      type: str
      sample: free
taken:
  description: The names another account holds.
  returned: always
  type: list
  elements: str
"""


def owned_names(module, client):
    try:
        pages = aws.retrying(lambda: list(client.get_paginator("list_buckets").paginate()))()
        return {b["Name"] for page in pages for b in page.get("Buckets", [])}
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        module.fail_json_aws(exc, msg="AWS refused to list the buckets (s3:ListAllMyBuckets)")


def exists(module, client, name):
    """Whether anyone holds the name: 404 is free; 403 and 301 mean it exists elsewhere."""
    try:
        client.head_bucket(Bucket=name)
    except botocore.exceptions.ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("404", "NoSuchBucket", "NotFound") or status == 404:
            return False
        if code in ("403", "301", "AccessDenied", "PermanentRedirect") or status in (301, 403):
            return True
        module.fail_json_aws(exc, msg=f"AWS refused to look up bucket {name}")
    except botocore.exceptions.BotoCoreError as exc:
        module.fail_json_aws(exc, msg=f"AWS refused to look up bucket {name}")
    return True


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(names=dict(type="list", elements="str", required=True)),
        supports_check_mode=True,
    )
    client = aws.client(module, "s3")
    mine = owned_names(module, client)
    buckets = []
    for name in module.params["names"]:
        if name in mine:
            state = "owned"
        elif exists(module, client, name):
            state = "taken"
        else:
            state = "free"
        buckets.append({"name": name, "state": state})
    module.exit_json(
        changed=False,
        buckets=buckets,
        taken=[b["name"] for b in buckets if b["state"] == "taken"],
    )


if __name__ == "__main__":
    main()
