#!/usr/bin/python
# Copyright: (c) 2026, Masclet Imperi Web deployment project
# MIT License (see the project's README)
"""Is a region usable and an instance type offered (and free-tier eligible) there?"""

from __future__ import annotations

try:
    import boto3
    import botocore
except ImportError:  # AnsibleAWSModule reports the missing library
    boto3 = botocore = None

from ansible.module_utils import masclet_aws as aws
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: ec2_offering_info
short_description: Check a region and an EC2 instance type before provisioning
version_added: "1.0.0"
description:
  - Tells whether O(region) is an AWS region at all (from botocore's own region list, without
    calling AWS), whether it is enabled for the account, whether O(instance_type) is offered
    there, and whether the account's free tier covers it.
  - Warns when the instance type is not free-tier eligible for the account, and when it belongs
    to an older generation whose successor of the same size costs less (O(successors),
    O(hourly_prices)).
  - The collections offer no module for C(DescribeInstanceTypeOfferings) nor for the
    C(FreeTierEligible) flag of C(DescribeInstanceTypes).
  - Read-only; never changes anything, so it runs unchanged in check mode.
author:
  - Masclet Imperi Web deployment project
options:
  instance_type:
    description: The instance type to check, for example C(t3.micro).
    type: str
  check_account:
    description:
      - Ask AWS (needs credentials). When V(false) only the region name is checked, offline.
    type: bool
    default: true
  successors:
    description:
      - "Older instance family to the current family that replaces it, for example C({t2: t3})."
    type: dict
    default: {}
  hourly_prices:
    description:
      - On-demand USD prices per hour by instance type, used to say how much the successor saves.
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs C(ec2:DescribeRegions), C(ec2:DescribeInstanceTypeOfferings) and
    C(ec2:DescribeInstanceTypes).
"""

EXAMPLES = r"""
- name: Is t2.micro offered in eu-west-1, and free for this account?
  ec2_offering_info:
    region: eu-west-1
    instance_type: t2.micro
    successors: {t2: t3}
    hourly_prices: {t2.micro: 0.0126, t3.micro: 0.0114}
  register: offering

- name: Stop when it is not
  ansible.builtin.assert:
    that: offering.instance_type_offered
"""

RETURN = r"""
region:
  description: The region checked.
  returned: always
  type: str
  sample: eu-west-1
region_known:
  description: Whether the region is an AWS region in any partition botocore knows.
  returned: always
  type: bool
known_regions:
  description: The regions botocore knows (to suggest one when O(region) is wrong).
  returned: always
  type: list
  elements: str
region_enabled:
  description: Whether the account may use the region (opt-in regions must be enabled first).
  returned: when O(check_account=true) and the region is known
  type: bool
instance_type_offered:
  description: Whether O(instance_type) is offered in the region.
  returned: when O(instance_type) is given and O(check_account=true)
  type: bool
free_tier_eligible:
  description: Whether AWS flags O(instance_type) free-tier eligible for this account.
  returned: when the instance type is offered
  type: bool
current_generation:
  description: AWS's current-generation flag of the instance type.
  returned: when the instance type is offered
  type: bool
memory_mib:
  description: Memory of the instance type.
  returned: when the instance type is offered
  type: int
vcpus:
  description: Default vCPUs of the instance type.
  returned: when the instance type is offered
  type: int
successor:
  description: The same size in the successor family, when there is one and it is offered.
  returned: when O(successors) names the family
  type: str
  sample: t3.micro
successor_free_tier_eligible:
  description: Whether the successor is free-tier eligible for this account.
  returned: when RV(successor) is returned
  type: bool
advice:
  description: The warnings the module emitted, one line each.
  returned: always
  type: list
  elements: str
"""

_ACCESS = (
    "grant ec2:DescribeRegions, ec2:DescribeInstanceTypeOfferings and "
    "ec2:DescribeInstanceTypes to this identity"
)


def _aws_fail(module, exc, action):
    aws.refuse(module, exc, action, _ACCESS)


def known_regions():
    session = boto3.session.Session()
    regions = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("ec2", partition_name=partition))
    return sorted(regions)


def describe_type(module, client, instance_type):
    """(offered, description) of an instance type in the client's region."""
    try:
        offers = client.describe_instance_type_offerings(
            LocationType="region",
            Filters=[{"Name": "instance-type", "Values": [instance_type]}],
        )["InstanceTypeOfferings"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        _aws_fail(module, exc, "list the instance types offered in the region")
    if not any(o["InstanceType"] == instance_type for o in offers):
        return False, {}
    try:
        types = client.describe_instance_types(InstanceTypes=[instance_type])["InstanceTypes"]
    except client.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code", "").startswith("InvalidInstanceType"):
            return False, {}
        _aws_fail(module, exc, f"describe instance type {instance_type}")
    except botocore.exceptions.BotoCoreError as exc:
        _aws_fail(module, exc, f"describe instance type {instance_type}")
    return True, (types[0] if types else {})


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            instance_type=dict(type="str"),
            check_account=dict(type="bool", default=True),
            successors=dict(type="dict", default={}),
            hourly_prices=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    region = module.region
    if not region:
        module.fail_json(msg="no region: set aws_region (or AWS_REGION)")
    regions = known_regions()
    result = dict(
        changed=False,
        region=region,
        region_known=region in regions,
        known_regions=regions,
        advice=[],
    )
    if not result["region_known"] or not module.params["check_account"]:
        module.exit_json(**result)

    client = aws.client(module, "ec2")
    try:
        found = client.describe_regions(AllRegions=True, RegionNames=[region])["Regions"]
        status = found[0].get("OptInStatus", "opt-in-not-required") if found else "unknown"
        result["region_enabled"] = status in ("opt-in-not-required", "opted-in")
    except client.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("AuthFailure", "OptInRequired", "InvalidParameterValue"):
            result["region_enabled"] = False
        else:
            _aws_fail(module, exc, "describe the regions of the account")
    except botocore.exceptions.BotoCoreError as exc:
        _aws_fail(module, exc, "describe the regions of the account")
    instance_type = module.params["instance_type"]
    if not instance_type or not result["region_enabled"]:
        module.exit_json(**result)

    offered, info = describe_type(module, client, instance_type)
    result["instance_type_offered"] = offered
    if not offered:
        module.exit_json(**result)
    result["free_tier_eligible"] = bool(info.get("FreeTierEligible", False))
    result["current_generation"] = bool(info.get("CurrentGeneration", True))
    result["memory_mib"] = info.get("MemoryInfo", {}).get("SizeInMiB", 0)
    result["vcpus"] = info.get("VCpuInfo", {}).get("DefaultVCpus", 0)

    family, _, size = instance_type.partition(".")
    successor_family = module.params["successors"].get(family)
    successor_free = None
    if successor_family:
        successor = f"{successor_family}.{size}"
        successor_offered, successor_info = describe_type(module, client, successor)
        if successor_offered:
            successor_free = bool(successor_info.get("FreeTierEligible", False))
            result["successor"] = successor
            result["successor_free_tier_eligible"] = successor_free
            prices = module.params["hourly_prices"]
            own, other = prices.get(instance_type), prices.get(successor)
            if own is not None and other is not None and float(other) < float(own):
                result["advice"].append(
                    f"{instance_type} is an older generation: {successor} costs less "
                    f"({float(other):g} against {float(own):g} USD/hour on demand)"
                    + (" and is free-tier eligible for this account" if successor_free else "")
                    + f"; set the instance type to {successor}"
                )
    if not result["free_tier_eligible"]:
        hint = f"; {result['successor']} is" if successor_free else ""
        result["advice"].append(
            f"{instance_type} is not free-tier eligible for this account{hint}: "
            "it is billed from the first hour (or from the signup credits)"
        )
    for line in result["advice"]:
        aws.warn(line)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
