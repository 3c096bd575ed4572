"""library/rds_offering_info.py against moto in-process. moto carries RDS's catalogue for
Aurora PostgreSQL only, which gives both a known catalogue and an engine without one."""

import json

import pytest
from moto import mock_aws

from tests.unit.awsmodules import aws_env, load, runner

offering = load("rds_offering_info")


@pytest.fixture
def check(monkeypatch, capsys):
    aws_env(monkeypatch)
    with mock_aws():
        yield runner(offering, capsys)


def test_offered_class(check):
    result = check(region="eu-west-1", engine="aurora-postgresql", instance_class="db.r5.large")
    assert result["changed"] is False
    assert result["catalogue_known"] is True
    assert result["instance_class_offered"] is True
    assert result["engine_versions"]
    assert result["engine_versions"] == sorted(
        result["engine_versions"], key=lambda v: [int(p) for p in v.split(".") if p.isdigit()]
    )


def test_major_version_matches_its_minor_releases_only(check):
    offered = check(region="eu-west-1", engine="aurora-postgresql", instance_class="db.r5.large")
    major = offered["engine_versions"][0].split(".")[0]
    same = check(
        region="eu-west-1",
        engine="aurora-postgresql",
        instance_class="db.r5.large",
        engine_version=major,
    )
    assert same["instance_class_offered"] is True
    assert all(v.split(".")[0] == major for v in same["engine_versions"])
    other = check(
        region="eu-west-1",
        engine="aurora-postgresql",
        instance_class="db.r5.large",
        engine_version="1" + major,
    )
    assert other["instance_class_offered"] is False


def test_class_not_offered_suggests_offered_ones(check):
    result = check(region="eu-west-1", engine="aurora-postgresql", instance_class="db.t9.nano")
    assert result["catalogue_known"] is True
    assert result["instance_class_offered"] is False
    assert "db.r5.large" in result["offered_classes"]
    assert "db.t9.nano" not in result["offered_classes"]


def test_no_catalogue_is_not_a_refusal(check):
    # moto lists nothing for postgres, as a stand-in without RDS's catalogue would.
    result = check(region="eu-west-1", engine="postgres", instance_class="db.t4g.micro")
    assert result["catalogue_known"] is False
    assert "instance_class_offered" not in result
    assert "checked only when the database is created" in json.dumps(result.get("warnings"))


def test_check_mode_gives_the_same_answer(check):
    result = check(
        region="eu-west-1",
        engine="aurora-postgresql",
        instance_class="db.r5.large",
        _ansible_check_mode=True,
    )
    assert result["instance_class_offered"] is True
