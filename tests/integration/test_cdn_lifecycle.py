"""The static site on CloudFront from provision to teardown, against the moto server.

Provision makes the distribution and everything only it uses (roles/aws_cdn), the frontend
phase publishes into the bucket and invalidates, teardown deletes all of it, and nothing of
the project and environment is left in the account: no tagged resource, distribution,
Origin Access Control, function, certificate or record besides the zone's own.
"""

import json

import pytest

from tests.conftest import ROOT, run
from tests.integration.awsenv import (
    MOTO_INSTANCE,
    MOTO_RDS,
    client,
    on_moto,
    project_inputs,
    register_debian_image,
    tagged,
    unique_project,
)
from tests.recap import changed_by_host

PROJECT = unique_project()
ZONE = f"{PROJECT}.test"
ALIASES = [ZONE, f"www.{ZONE}"]
SAMPLE = ROOT / ".cache" / "sample-app"
EXTRA = {
    **project_inputs(PROJECT),
    "app_profile": "sample-static",
    "frontend_publish_hosting": "cloudfront",
    **MOTO_INSTANCE,
    # Teardown looks for Phase 2's database too.
    **MOTO_RDS,
}


def playbook(name: str, **extra):
    return on_moto(PROJECT, name, {**EXTRA, **extra}, timeout=1200)


def ok(proc):
    assert proc.returncode == 0, proc.stdout[-6000:]
    return proc


@pytest.fixture(scope="module")
def account():
    if not (SAMPLE / ".git").exists() and not (SAMPLE / "HEAD").exists():
        run(["make", "sample-repo"], check=True)
    r53 = client("route53")
    zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference=PROJECT)["HostedZone"]["Id"]
    ec2 = client("ec2")
    image = register_debian_image(PROJECT)
    yield zone_id
    playbook("teardown", teardown_confirm=f"{PROJECT}-dev", teardown_delete_backups=True)
    ec2.deregister_image(ImageId=image)
    r53.delete_hosted_zone(Id=zone_id)


def ours(cf):
    """This project's distributions, by the origin bucket."""
    return [
        d
        for d in cf.list_distributions()["DistributionList"].get("Items", [])
        if d["Origins"]["Items"][0]["DomainName"].startswith(f"{PROJECT}-dev-frontend.")
    ]


def left_over(zone_id) -> dict:
    """Everything of the project's dev environment still in the account, by kind."""
    cf, acm = client("cloudfront", "us-east-1"), client("acm", "us-east-1")
    found = {k: v for k, v in tagged(PROJECT, "dev").items() if v}
    for region in ("eu-west-1", "us-east-1"):
        arns = [
            r["ResourceARN"]
            for r in client("resourcegroupstaggingapi", region).get_resources(
                TagFilters=[
                    {"Key": "project", "Values": [PROJECT]},
                    {"Key": "environment", "Values": ["dev"]},
                ]
            )["ResourceTagMappingList"]
        ]
        # A terminated instance stays listed for a while, on AWS as on moto.
        gone = {
            i["InstanceId"]
            for r in client("ec2", region).describe_instances()["Reservations"]
            for i in r["Instances"]
            if i["State"]["Name"] == "terminated"
        }
        arns = [a for a in arns if a.rsplit("/", 1)[-1] not in gone]
        if arns:
            found[f"tagged in {region}"] = arns
    if ds := ours(cf):
        found["distributions"] = [d["Id"] for d in ds]
    oacs = cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    if names := [o["Name"] for o in oacs if o["Name"].startswith(f"{PROJECT}-dev")]:
        found["origin access controls"] = names
    functions = cf.list_functions()["FunctionList"].get("Items", [])
    if names := [f["Name"] for f in functions if f["Name"].startswith(f"{PROJECT}-dev")]:
        found["functions"] = names
    certs = acm.list_certificates()["CertificateSummaryList"]
    if arns := [c["CertificateArn"] for c in certs if c["DomainName"] in ALIASES]:
        found["certificates"] = arns
    records = client("route53").list_resource_record_sets(HostedZoneId=zone_id)
    if extra := [
        (r["Name"], r["Type"])
        for r in records["ResourceRecordSets"]
        if not (r["Name"] == f"{ZONE}." and r["Type"] in ("NS", "SOA"))
    ]:
        found["records"] = extra
    return found


def test_provision_makes_the_distribution_the_frontend_phase_publishes_to_it(
    account, tmp_path_factory
):
    ok(playbook("provision"))
    cf = client("cloudfront", "us-east-1")
    (summary,) = ours(cf)
    dist = cf.get_distribution(Id=summary["Id"])["Distribution"]
    config = dist["DistributionConfig"]
    assert sorted(config["Aliases"]["Items"]) == sorted(ALIASES)
    assert config["DefaultRootObject"] == "index.html"
    # No single-page fallback for this build: a missing page is a 404 with the build's page.
    errors = {e["ErrorCode"]: e for e in config["CustomErrorResponses"]["Items"]}
    assert set(errors) == {403}
    assert (str(errors[403]["ResponseCode"]), errors[403]["ResponsePagePath"]) == (
        "404",
        "/404.html",
    )
    tags = cf.list_tags_for_resource(Resource=dist["ARN"])["Tags"]["Items"]
    assert {"Key": "environment", "Value": "dev"} in tags
    functions = [f["Name"] for f in cf.list_functions()["FunctionList"].get("Items", [])]
    assert f"{PROJECT}-dev-folder-index" in functions
    code = cf.get_function(Name=f"{PROJECT}-dev-folder-index")["FunctionCode"].read().decode()
    assert code == (ROOT / "roles/aws_cdn/files/viewer-request.js").read_text().rstrip("\n")
    cert_arn = config["ViewerCertificate"]["ACMCertificateArn"]
    cert = client("acm", "us-east-1").describe_certificate(CertificateArn=cert_arn)["Certificate"]
    assert cert["Status"] == "ISSUED"
    assert sorted(cert["SubjectAlternativeNames"]) == sorted(ALIASES)
    oacs = cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    assert [o["SigningBehavior"] for o in oacs if o["Name"] == f"{PROJECT}-dev-frontend"] == [
        "always"
    ]
    bucket = f"{PROJECT}-dev-frontend"
    s3 = client("s3")
    (stmt,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert stmt["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert stmt["Condition"]["StringEquals"]["AWS:SourceArn"] == dist["ARN"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block["RestrictPublicBuckets"] and block["BlockPublicPolicy"]
    records = client("route53").list_resource_record_sets(HostedZoneId=account)
    alias = {(r["Name"], r["Type"]): r for r in records["ResourceRecordSets"] if "AliasTarget" in r}
    for name in ALIASES:
        for rtype in ("A", "AAAA"):
            assert (
                alias[(name + ".", rtype)]["AliasTarget"]["DNSName"].rstrip(".")
                == (dist["DomainName"])
            )
    validation = {r["Name"] for r in records["ResourceRecordSets"] if r["Type"] == "CNAME"}
    assert {o["ResourceRecord"]["Name"] for o in cert["DomainValidationOptions"]} <= validation

    proc = ok(
        playbook(
            "frontend",
            app_repo=str(SAMPLE),
            app_version="v1.0.0",
            frontend_build_cache_dir=str(tmp_path_factory.mktemp("frontend-cache")),
        )
    )
    assert f"https://{ZONE}/" in proc.stdout
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert "index.html" in keys and "about/index.html" in keys
    invalidations = cf.list_invalidations(DistributionId=dist["Id"])["InvalidationList"]
    assert invalidations.get("Quantity", 0) == 1


def test_teardown_leaves_nothing_and_provision_works_again(account):
    ok(playbook("teardown", teardown_confirm=f"{PROJECT}-dev", teardown_delete_backups=True))
    assert left_over(account) == {}

    again = ok(
        playbook("teardown", teardown_confirm=f"{PROJECT}-dev", teardown_delete_backups=True)
    )
    assert changed_by_host(again.stdout) == {"localhost": 0}, again.stdout[-4000:]

    ok(playbook("provision"))
    assert len(ours(client("cloudfront", "us-east-1"))) == 1
