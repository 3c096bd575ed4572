"""library/cloudfront_origin_access_control.py and acm_certificate_request.py against moto."""

import boto3
import pytest
from moto import mock_aws, settings

from tests.unit.awsmodules import aws_env, load, runner

oac = load("cloudfront_origin_access_control")
acm = load("acm_certificate_request")


@pytest.fixture
def aws(monkeypatch):
    aws_env(monkeypatch, region="us-east-1")
    with mock_aws():
        yield


@pytest.fixture
def call(capsys):
    def _run(module, check=False, **args):
        return runner(module, capsys)(check=check, **args)

    return _run


def test_oac_create_is_idempotent_update_and_delete(aws, call):
    cf = boto3.client("cloudfront")
    planned = call(oac, check=True, name="site-oac")
    assert planned["changed"]
    assert cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", []) == []

    made = call(oac, name="site-oac", description="reads the bucket")
    assert made["changed"]
    ctl = made["origin_access_control"]
    assert ctl["signing_behavior"] == "always" and ctl["origin_type"] == "s3"
    got = cf.get_origin_access_control(Id=ctl["id"])["OriginAccessControl"]
    assert got["OriginAccessControlConfig"]["SigningProtocol"] == "sigv4"

    again = call(oac, name="site-oac", description="reads the bucket")
    assert not again["changed"] and again["origin_access_control"]["id"] == ctl["id"]

    changed = call(oac, name="site-oac", description="new words")
    assert changed["changed"] and changed["origin_access_control"]["id"] == ctl["id"]
    config = cf.get_origin_access_control(Id=ctl["id"])["OriginAccessControl"]
    assert config["OriginAccessControlConfig"]["Description"] == "new words"

    gone = call(oac, name="site-oac", state="absent")
    assert gone["changed"]
    assert cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", []) == []
    assert not call(oac, name="site-oac", state="absent")["changed"]


def test_acm_request_returns_validation_records_and_is_reused(aws, call):
    planned = call(acm, check=True, domain_name="example.test", region="us-east-1")
    assert planned["changed"] and planned["certificate"] == {}

    first = call(
        acm,
        domain_name="example.test",
        subject_alternative_names=["www.example.test"],
        region="us-east-1",
        tags={"project": "masclet"},
    )
    cert = first["certificate"]
    assert first["changed"] and cert["status"] == "PENDING_VALIDATION"
    assert cert["validation_records"] and cert["validation_records"][0]["type"] == "CNAME"
    assert sorted(cert["subject_alternative_names"]) == ["example.test", "www.example.test"]

    again = call(
        acm,
        domain_name="example.test",
        subject_alternative_names=["www.example.test"],
        region="us-east-1",
    )
    assert not again["changed"] and again["certificate"]["arn"] == cert["arn"]
    # Other names: another certificate.
    other = call(acm, domain_name="example.test", region="us-east-1")
    assert other["changed"] and other["certificate"]["arn"] != cert["arn"]


def test_acm_wait_returns_once_issued(aws, call, monkeypatch):
    monkeypatch.setattr(settings, "ACM_VALIDATION_WAIT", 0)
    call(acm, domain_name="wait.test", region="us-east-1")
    issued = call(acm, domain_name="wait.test", region="us-east-1", wait=True, wait_timeout=30)
    assert issued["certificate"]["status"] == "ISSUED"


def test_acm_wait_times_out_with_a_clear_message(aws, call, monkeypatch):
    monkeypatch.setattr(settings, "ACM_VALIDATION_WAIT", 3600)
    monkeypatch.setattr(acm.time, "sleep", lambda s: None)
    call(acm, domain_name="slow.test", region="us-east-1")
    res = call(acm, domain_name="slow.test", region="us-east-1", wait=True, wait_timeout=0)
    assert res["failed"]
    assert "validation CNAME records" in res["msg"]


fn = load("cloudfront_function")
CODE = "function handler(event) { return event.request; }"


def test_function_create_is_idempotent_and_delete(aws, call):
    cf = boto3.client("cloudfront")
    planned = call(fn, check=True, name="site-subpages", code=CODE)
    assert planned["changed"] and planned["diff"] == {"before": "", "after": CODE}
    assert cf.list_functions()["FunctionList"]["Quantity"] == 0

    made = call(fn, name="site-subpages", code=CODE, comment="folders")
    assert made["changed"]
    assert made["function"]["arn"].endswith(":function/site-subpages")
    assert made["function"]["runtime"] == "cloudfront-js-2.0"
    stored = cf.get_function(Name="site-subpages")["FunctionCode"].read().decode()
    assert stored == CODE

    again = call(fn, name="site-subpages", code=CODE, comment="folders")
    assert not again["changed"] and again["function"]["arn"] == made["function"]["arn"]
    # Check mode sees a code change and changes nothing.
    planned = call(fn, check=True, name="site-subpages", code=CODE + "\n", comment="folders")
    assert planned["changed"] and planned["diff"]["before"] == CODE
    assert cf.get_function(Name="site-subpages")["FunctionCode"].read().decode() == CODE

    assert call(fn, check=True, name="site-subpages", state="absent")["changed"]
    assert cf.list_functions()["FunctionList"]["Quantity"] == 1
    gone = call(fn, name="site-subpages", state="absent")
    assert gone["changed"] and gone["function"] == {}
    assert cf.list_functions()["FunctionList"]["Quantity"] == 0
    assert not call(fn, name="site-subpages", state="absent")["changed"]


def test_function_refuses_a_name_cloudfront_would_refuse(aws, call):
    bad = call(fn, name="site subpages!", code=CODE)
    assert bad["failed"] and "letters, digits" in bad["msg"]
    missing = call(fn, name="site-subpages")
    assert missing["failed"] and "code" in missing["msg"]


def test_acm_request_after_a_deletion_gets_a_new_certificate(aws, call):
    first = call(acm, domain_name="again.test", subject_alternative_names=["www.again.test"])
    assert call(
        acm, domain_name="again.test", subject_alternative_names=["www.again.test"], state="absent"
    )["changed"]
    second = call(acm, domain_name="again.test", subject_alternative_names=["www.again.test"])
    assert second["changed"]
    assert second["certificate"]["arn"] != first["certificate"]["arn"]
    assert second["certificate"]["status"] in ("PENDING_VALIDATION", "ISSUED")
