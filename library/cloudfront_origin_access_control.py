#!/usr/bin/python
"""Manage a CloudFront Origin Access Control (community.aws has only the legacy OAI)."""

from __future__ import annotations

import contextlib

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible.module_utils import masclet_aws as aws
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: cloudfront_origin_access_control
short_description: Create, update or delete a CloudFront Origin Access Control
description:
  - Manages an Origin Access Control (OAC), the way a CloudFront distribution signs its
    requests to a private S3 bucket. It replaces the legacy Origin Access Identity, the only
    kind C(community.aws) manages.
  - The control is found by its name (names are unique in an account).
  - Supports check mode and diff.
version_added: "1.0.0"
author:
  - Masclet deployment project
options:
  name:
    description: Name of the Origin Access Control (unique in the account, at most 64 characters).
    type: str
    required: true
  description:
    description: Free-text description.
    type: str
    default: ""
  origin_type:
    description: Kind of origin the control signs requests to.
    type: str
    default: s3
    choices: [s3, mediastore, lambda, mediapackagev2]
  signing_behavior:
    description: When CloudFront signs requests (C(always) is what a private bucket needs).
    type: str
    default: always
    choices: [always, never, no-override]
  signing_protocol:
    description: Signing protocol.
    type: str
    default: sigv4
    choices: [sigv4]
  state:
    description: Whether the control exists.
    type: str
    default: present
    choices: [present, absent]
notes:
  - Deleting a control still used by a distribution fails; detach it first.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Signing control for the frontend bucket
  cloudfront_origin_access_control:
    name: masclet-prod-frontend
    description: CloudFront reads the private frontend bucket
  register: oac

- name: Use it in a distribution's origin
  ansible.builtin.debug:
    msg: "origin_access_control_id: {{ oac.origin_access_control.id }}"
"""

RETURN = r"""
origin_access_control:
  description: The control (empty after deletion).
  returned: always
  type: dict
  contains:
    id:
      description: Its identifier, for a distribution origin's OriginAccessControlId.
      type: str
      sample: E2QWRUHAPOMQZL
    name:
      description: Its name.
      type: str
    description:
      description: Its description.
      type: str
    origin_type:
      description: Origin type.
      type: str
      sample: s3
    signing_behavior:
      description: Signing behaviour.
      type: str
      sample: always
    signing_protocol:
      description: Signing protocol.
      type: str
      sample: sigv4
"""

FIELDS = (
    ("name", "Name"),
    ("description", "Description"),
    ("origin_type", "OriginAccessControlOriginType"),
    ("signing_behavior", "SigningBehavior"),
    ("signing_protocol", "SigningProtocol"),
)


def to_api(params):
    return {api: params[ours] for ours, api in FIELDS}


def from_api(config, control_id):
    out = {ours: config.get(api, "") for ours, api in FIELDS}
    out["id"] = control_id
    return out


def find(client, name):
    marker = None
    while True:
        kwargs = {"Marker": marker} if marker else {}
        page = client.list_origin_access_controls(**kwargs)["OriginAccessControlList"]
        for item in page.get("Items", []) or []:
            if item["Name"] == name:
                got = client.get_origin_access_control(Id=item["Id"])
                return got["OriginAccessControl"], got["ETag"]
        marker = page.get("NextMarker")
        if not page.get("IsTruncated") or not marker:
            return None, None


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            description=dict(type="str", default=""),
            origin_type=dict(
                type="str", default="s3", choices=["s3", "mediastore", "lambda", "mediapackagev2"]
            ),
            signing_behavior=dict(
                type="str", default="always", choices=["always", "never", "no-override"]
            ),
            signing_protocol=dict(type="str", default="sigv4", choices=["sigv4"]),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if len(p["name"]) > 64:
        module.fail_json(msg="name must be at most 64 characters")
    client = aws.client(module, "cloudfront")
    try:
        current, etag = find(client, p["name"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list CloudFront Origin Access Controls")

    before = from_api(current["OriginAccessControlConfig"], current["Id"]) if current else {}
    want = to_api(p)
    try:
        if p["state"] == "absent":
            if not current:
                module.exit_json(changed=False, origin_access_control={})
            if not module.check_mode:
                client.delete_origin_access_control(Id=current["Id"], IfMatch=etag)
            module.exit_json(
                changed=True, origin_access_control={}, diff={"before": before, "after": {}}
            )
        if not current:
            if module.check_mode:
                after = from_api(want, "")
            else:
                made = client.create_origin_access_control(OriginAccessControlConfig=want)
                ctl = made["OriginAccessControl"]
                after = from_api(ctl["OriginAccessControlConfig"], ctl["Id"])
            module.exit_json(
                changed=True, origin_access_control=after, diff={"before": {}, "after": after}
            )
        have = current["OriginAccessControlConfig"]
        if all(have.get(k, "") == v for k, v in want.items()):
            module.exit_json(changed=False, origin_access_control=before)
        after = from_api(want, current["Id"])
        if not module.check_mode:
            got = client.update_origin_access_control(
                Id=current["Id"], IfMatch=etag, OriginAccessControlConfig=want
            )
            ctl = got["OriginAccessControl"]
            after = from_api(ctl["OriginAccessControlConfig"], ctl["Id"])
        module.exit_json(
            changed=True, origin_access_control=after, diff={"before": before, "after": after}
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Could not manage Origin Access Control {p['name']}")


if __name__ == "__main__":
    main()
