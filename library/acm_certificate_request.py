#!/usr/bin/python
"""Request an ACM public certificate validated through DNS, and wait for it."""

from __future__ import annotations

import contextlib
import hashlib
import time

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible.module_utils import masclet_aws as aws
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: acm_certificate_request
short_description: Request an ACM certificate validated through DNS, and wait until it is issued
description:
  - Requests a public certificate from AWS Certificate Manager for a domain and its alternative
    names, with DNS validation, and returns the CNAME records that validate it (create them,
    e.g. with C(amazon.aws.route53), then call the module again with O(wait=true)).
  - C(community.aws.acm_certificate) only imports certificates made elsewhere; this module asks
    ACM to issue one.
  - An existing certificate with the same domain and alternative names (issued or pending) is
    reused, so the module is idempotent. For CloudFront the certificate must be in C(us-east-1).
  - Supports check mode.
version_added: "1.0.0"
author:
  - Masclet deployment project
options:
  domain_name:
    description: The certificate's main name.
    type: str
    required: true
  subject_alternative_names:
    description: Other names the certificate covers.
    type: list
    elements: str
    default: []
  key_algorithm:
    description: Key algorithm.
    type: str
    default: RSA_2048
    choices: [RSA_2048, EC_prime256v1, EC_secp384r1]
  tags:
    description: Tags put on a newly requested certificate.
    type: dict
    default: {}
  wait:
    description: Wait until the certificate is issued (its validation records must exist).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait=true).
    type: int
    default: 900
  state:
    description: C(absent) deletes the matching certificates (not while in use).
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Request the site's certificate (CloudFront needs us-east-1)
  acm_certificate_request:
    domain_name: example.com
    subject_alternative_names: [www.example.com]
    region: us-east-1
  register: cert

- name: Validation records in Route 53
  amazon.aws.route53:
    zone: example.com
    record: "{{ item.name }}"
    type: "{{ item.type }}"
    value: "{{ item.value }}"
    ttl: 300
    overwrite: true
    state: present
  loop: "{{ cert.certificate.validation_records }}"

- name: Wait until ACM has issued it
  acm_certificate_request:
    domain_name: example.com
    subject_alternative_names: [www.example.com]
    region: us-east-1
    wait: true
"""

RETURN = r"""
certificate:
  description: The certificate (empty after deletion or in check mode before a request).
  returned: always
  type: dict
  contains:
    arn:
      description: Its ARN.
      type: str
    status:
      description: ACM status (PENDING_VALIDATION, ISSUED, ...).
      type: str
      sample: ISSUED
    domain_name:
      description: Main name.
      type: str
    subject_alternative_names:
      description: Every name covered (the main one included).
      type: list
      elements: str
    validation_records:
      description: DNS records that validate the certificate (deduplicated).
      type: list
      elements: dict
      sample: [{"name": "_x1.example.com.", "type": "CNAME", "value": "_x2.acm-validations.aws."}]
"""

GOOD = ("ISSUED", "PENDING_VALIDATION")
BAD = ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE")


def names(domain, sans):
    return sorted({domain, *sans})


def describe(client, arn):
    cert = client.describe_certificate(CertificateArn=arn)["Certificate"]
    records = []
    for opt in cert.get("DomainValidationOptions", []):
        rr = opt.get("ResourceRecord")
        if rr:
            rec = {"name": rr["Name"], "type": rr["Type"], "value": rr["Value"]}
            if rec not in records:
                records.append(rec)
    return {
        "arn": cert["CertificateArn"],
        "status": cert["Status"],
        "domain_name": cert["DomainName"],
        "subject_alternative_names": cert.get("SubjectAlternativeNames", []),
        "validation_records": records,
        "_want_records": len(
            {o["DomainName"].removeprefix("*.") for o in cert.get("DomainValidationOptions", [])}
        ),
    }


def find(client, wanted):
    found = []
    paginator = client.get_paginator("list_certificates")
    keys = {"keyTypes": ["RSA_2048", "EC_prime256v1", "EC_secp384r1"]}
    for page in aws.retrying(lambda: list(paginator.paginate(Includes=keys)))():
        for summary in page.get("CertificateSummaryList", []):
            if summary.get("Type", "AMAZON_ISSUED") != "AMAZON_ISSUED":
                continue
            if summary.get("Status") not in GOOD:
                continue
            cert = describe(client, summary["CertificateArn"])
            if sorted(set(cert["subject_alternative_names"]) | {cert["domain_name"]}) == wanted:
                found.append(cert)
    # An issued one first.
    found.sort(key=lambda c: c["status"] != "ISSUED")
    return found


def public(cert):
    return {k: v for k, v in cert.items() if not k.startswith("_")}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            domain_name=dict(type="str", required=True),
            subject_alternative_names=dict(type="list", elements="str", default=[]),
            key_algorithm=dict(
                type="str",
                default="RSA_2048",
                choices=["RSA_2048", "EC_prime256v1", "EC_secp384r1"],
            ),
            tags=dict(type="dict", default={}),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=900),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    wanted = names(p["domain_name"], p["subject_alternative_names"])
    client = aws.client(module, "acm")
    try:
        found = find(client, wanted)
        if p["state"] == "absent":
            if found and not module.check_mode:
                for cert in found:
                    client.delete_certificate(CertificateArn=cert["arn"])
            module.exit_json(changed=bool(found), certificate={})

        changed = False
        if found:
            cert = found[0]
        elif module.check_mode:
            module.exit_json(changed=True, certificate={})
        else:
            # One token per request (botocore's retries of it reuse it). A token derived from
            # the names alone would, within ACM's hour, return a certificate deleted meanwhile.
            token = hashlib.sha256(f"{'|'.join(wanted)}|{time.time_ns()}".encode()).hexdigest()[:32]
            kwargs = {
                "DomainName": p["domain_name"],
                "ValidationMethod": "DNS",
                "IdempotencyToken": token,
                "KeyAlgorithm": p["key_algorithm"],
            }
            sans = [n for n in wanted if n != p["domain_name"]]
            if sans:
                kwargs["SubjectAlternativeNames"] = sans
            if p["tags"]:
                kwargs["Tags"] = [{"Key": k, "Value": str(v)} for k, v in p["tags"].items()]
            arn = client.request_certificate(**kwargs)["CertificateArn"]
            changed = True
            cert = describe(client, arn)
            # ACM fills in the validation records a few seconds after the request; no waiter
            # watches for them.
            deadline = time.time() + 120
            while (
                len(cert["validation_records"]) < cert["_want_records"] and time.time() < deadline
            ):
                time.sleep(2)
                cert = describe(client, arn)

        if p["wait"] and cert["status"] != "ISSUED" and not module.check_mode:
            delay = 5
            # Timed out or failed: the status read next says which.
            with contextlib.suppress(botocore.exceptions.WaiterError):
                client.get_waiter("certificate_validated").wait(
                    CertificateArn=cert["arn"],
                    WaiterConfig={
                        "Delay": delay,
                        "MaxAttempts": max(1, p["wait_timeout"] // delay),
                    },
                )
            cert = describe(client, cert["arn"])
            if cert["status"] != "ISSUED":
                module.fail_json(
                    msg=f"ACM did not issue {cert['arn']} ({cert['status']}) within "
                    f"{p['wait_timeout']} s: check that its validation CNAME records are in the "
                    "domain's public DNS zone.",
                    certificate=public(cert),
                )
        if cert["status"] in BAD:
            module.fail_json(msg=f"Certificate {cert['arn']} is {cert['status']}")
        module.exit_json(changed=changed, certificate=public(cert))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Could not request a certificate for {p['domain_name']}")


if __name__ == "__main__":
    main()
