"""The cost report's arithmetic (roles/cost_report/filter_plugins) on data/prices.yml."""

import importlib.util

import pytest
import yaml

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location(
    "cost_estimate", ROOT / "roles/cost_report/filter_plugins/cost_estimate.py"
)
cost = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cost)
PRICES = yaml.safe_load((ROOT / "data/prices.yml").read_text())
EUR = PRICES["prices_currencies"]["EUR"]["rate"]
PHASE1 = {
    "instances": [{"type": "t2.micro", "name": "app"}],
    "volumes": [{"size": 20, "type": "gp3"}],
    "addresses": ["198.51.100.7"],
    "buckets": ["f", "b"],
    "s3_gb": 1,
    "zones": ["example.org."],
    "secrets": 3,
    "alarms": 2,
    "budgets": True,
}


def test_prices_are_dated_and_sourced():
    assert PRICES["prices_as_of"] and "aws.amazon.com" in PRICES["prices_source"]
    assert PRICES["prices_public_ipv4_hour"] == 0.005


def test_what_phase1_runs_costs_after_the_free_tier():
    rows = cost.cost_rows(PHASE1, PRICES)
    by_kind = {r["kind"]: r["usd"] for r in rows}
    assert by_kind["ec2"] == pytest.approx(0.0126 * 730)
    assert by_kind["ipv4"] == pytest.approx(3.65)
    assert by_kind["alarms"] == 0  # 10 alarms are always free
    totals = cost.cost_regime_totals(rows, PRICES, "legacy")
    assert totals["after"] == pytest.approx(sum(by_kind.values()))
    # Legacy free tier: EC2 750 h, 30 GB EBS, 750 h IPv4, 5 GB S3; zone and secrets paid.
    assert totals["during"] == pytest.approx(0.50 + 3 * 0.40)


def test_new_accounts_pay_from_credits():
    rows = cost.cost_rows(PHASE1, PRICES)
    free = cost.cost_regime_totals(rows, PRICES, "free_plan")
    assert free["during"] == 0
    assert free["credits_months"] == 6  # the Free plan ends first
    paid = cost.cost_regime_totals(rows, PRICES, "paid_plan")
    # Credits are valid 12 months on the Paid plan.
    assert paid["credits_months"] == pytest.approx(min(200 / paid["after"], 12))


def test_the_plans_tables_under_the_legacy_regime():
    phase1 = cost.cost_plan_phase(PRICES["prices_plan_phases"]["phase1"], PRICES)["totals"]
    assert phase1["during"] * EUR == pytest.approx(0.43, abs=0.01)  # plan: ~0.50 €/month
    phase2 = cost.cost_plan_phase(PRICES["prices_plan_phases"]["phase2"], PRICES)["totals"]
    assert 70 <= phase2["after"] * EUR <= 100  # plan: 70-100 €/month
    assert phase2["new_charges"] == pytest.approx(3 * 3.65)


def test_phase2_as_built_costs_less_than_the_plans_phase2():
    built = cost.cost_plan_phase(PRICES["prices_plan_phases"]["phase2_built"], PRICES)
    plan = cost.cost_plan_phase(PRICES["prices_plan_phases"]["phase2"], PRICES)
    kinds = {row["kind"] for row in built["rows"]}
    # One instance and RDS: no load balancer, no Beanstalk fleet.
    assert "alb" not in kinds and {"ec2", "rds", "rds_storage", "ebs", "secrets"} <= kinds
    # t3.small 16.64 + IPv4 3.65 + 20 GB gp3 1.76 + db.t4g.micro 12.41 + 20 GB 2.54 + S3 0.12
    # + zone 0.50 + 4 secrets 1.60 + logs 0.57 = 39.79 USD.
    assert built["totals"]["after"] == pytest.approx(39.79, abs=0.01)
    assert built["totals"]["after"] < plan["totals"]["after"] / 2
    # The legacy free tier covers db.t4g.micro with its 20 GB, the IPv4 hours and the disk;
    # t3.small is not free.
    assert built["totals"]["during"] == pytest.approx(16.64 + 0.50 + 1.60 + 0.57, abs=0.01)


def test_a_phase2_environment_prices_its_rds_database():
    # As rds_instance_info reports it.
    database = {
        "db_instance_identifier": "masclet-prod-db",
        "db_instance_class": "db.t4g.micro",
        "allocated_storage": 20,
    }
    running = {**PHASE1, "instances": [{"type": "t3.small", "name": "app"}], "secrets": 4}
    rows = cost.cost_rows({**running, "databases": [database]}, PRICES)
    rds = [(r["item"], round(r["usd"], 2)) for r in rows if r["kind"].startswith("rds")]
    assert rds == [
        ("RDS db.t4g.micro (masclet-prod-db)", 12.41),
        ("RDS storage 20 GB (masclet-prod-db)", 2.54),
    ]
    with_db = cost.cost_regime_totals(rows, PRICES, "legacy")
    without = cost.cost_regime_totals(cost.cost_rows(running, PRICES), PRICES, "legacy")
    # 750 free hours of db.t4g.micro and 20 free GB: nothing more during the legacy free tier.
    assert with_db["during"] == pytest.approx(without["during"])
    assert with_db["after"] == pytest.approx(without["after"] + 12.41 + 2.54, abs=0.01)


def test_unknown_price_is_named():
    with pytest.raises(ValueError, match=r"no price for x9\.huge"):
        cost.cost_rows({"instances": [{"type": "x9.huge"}]}, PRICES)
    with pytest.raises(ValueError, match="unknown regime"):
        cost.cost_regime_totals([], PRICES, "gratis")
