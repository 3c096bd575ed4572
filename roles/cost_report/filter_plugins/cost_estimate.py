"""Monthly cost estimate of an environment and of the plan's phases, from data/prices.yml.

Filters:
  cost_rows(resources, prices)            -> priced rows of what runs (USD per month)
  cost_regime_totals(rows, prices, regime) -> during / after the free period, credits
  cost_plan_phase(phase, prices)           -> the plan's table priced under the legacy regime
"""

from __future__ import annotations


def _hourly(prices, key, name):
    table = prices[key]
    if name not in table:
        raise ValueError(f"no price for {name} in data/prices.yml ({key}): add it there")
    return float(table[name])


def cost_rows(resources, prices):
    """Rows {item, kind, quantity, usd} for what an environment runs, one month."""
    hours = float(prices["prices_hours_per_month"])
    rows = []
    for instance in resources.get("instances", []):
        # Either {type, name} or an ec2_instance_info entry.
        itype = instance.get("type") or instance["instance_type"]
        name = instance.get("name") or instance.get("tags", {}).get("Name", "")
        rows.append(
            {
                "item": f"EC2 {itype} ({name})",
                "kind": "ec2",
                "type": itype,
                "quantity": hours,
                "usd": _hourly(prices, "prices_ec2_hourly", itype) * hours,
            }
        )
    for volume in resources.get("volumes", []):
        gb = float(volume["size"])
        rows.append(
            {
                "item": f"EBS {volume.get('type') or volume.get('volume_type', 'gp3')} {gb:g} GB",
                "kind": "ebs",
                "quantity": gb,
                "usd": gb * float(prices["prices_ebs_gp3_gb_month"]),
            }
        )
    for database in resources.get("databases", []):
        # Either {type, gb, name} or an rds_instance_info entry.
        dtype = database.get("type") or database["db_instance_class"]
        name = database.get("name") or database.get("db_instance_identifier", "")
        gb = float(database.get("gb") or database.get("allocated_storage", 0))
        rows.append(
            {
                "item": f"RDS {dtype} ({name})",
                "kind": "rds",
                "type": dtype,
                "quantity": hours,
                "usd": _hourly(prices, "prices_rds_hourly", dtype) * hours,
            }
        )
        rows.append(
            {
                "item": f"RDS storage {gb:g} GB ({name})",
                "kind": "rds_storage",
                "quantity": gb,
                "usd": gb * float(prices["prices_rds_gp2_gb_month"]),
            }
        )
    for address in resources.get("addresses", []):
        rows.append(
            {
                "item": f"public IPv4 {address}",
                "kind": "ipv4",
                "quantity": hours,
                "usd": hours * float(prices["prices_public_ipv4_hour"]),
            }
        )
    s3_gb = float(resources.get("s3_gb", 0))
    if resources.get("buckets"):
        rows.append(
            {
                "item": f"S3 standard ~{s3_gb:g} GB in {len(resources['buckets'])} buckets",
                "kind": "s3",
                "quantity": s3_gb,
                "usd": s3_gb * float(prices["prices_s3_standard_gb_month"]),
            }
        )
    for zone in resources.get("zones", []):
        rows.append(
            {
                "item": f"Route 53 hosted zone {zone}",
                "kind": "route53",
                "quantity": 1,
                "usd": float(prices["prices_route53_zone_month"]),
            }
        )
    secrets = int(resources.get("secrets", 0))
    if secrets:
        rows.append(
            {
                "item": f"Secrets Manager, {secrets} secrets",
                "kind": "secrets",
                "quantity": secrets,
                "usd": secrets * float(prices["prices_secret_month"]),
            }
        )
    alarms = int(resources.get("alarms", 0))
    if alarms:
        billable = max(0, alarms - int(prices["prices_cloudwatch_alarms_free"]))
        rows.append(
            {
                "item": f"CloudWatch, {alarms} alarms (10 always free)",
                "kind": "alarms",
                "quantity": alarms,
                "usd": billable * float(prices["prices_cloudwatch_alarm_month"]),
            }
        )
    if resources.get("budgets"):
        rows.append(
            {
                "item": "AWS Budgets (no actions)",
                "kind": "budgets",
                "quantity": 1,
                "usd": float(prices["prices_budgets_month"]),
            }
        )
    return rows


def _legacy_free_usd(rows, prices):
    """What the legacy 12-month free tier takes off one month of these rows."""
    rules = prices["prices_regimes"]["legacy"]
    free = 0.0
    ec2_hours = float(rules["ec2_free_hours"])
    ipv4_hours = float(rules["public_ipv4_free_hours"])
    ebs_gb = float(rules["ebs_free_gb"])
    s3_gb = float(rules["s3_free_gb"])
    rds_hours = float(rules["rds_free_hours"])
    rds_gb = float(rules["rds_free_gb"])
    for row in rows:
        kind, qty, usd = row["kind"], float(row["quantity"]), float(row["usd"])
        unit = usd / qty if qty else 0.0
        if kind == "ec2" and row.get("type") in rules["ec2_free_types"]:
            covered = min(qty, ec2_hours)
            ec2_hours -= covered
            free += covered * unit
        elif kind == "ipv4":
            covered = min(qty, ipv4_hours)
            ipv4_hours -= covered
            free += covered * unit
        elif kind == "ebs":
            covered = min(qty, ebs_gb)
            ebs_gb -= covered
            free += covered * unit
        elif kind == "s3":
            covered = min(qty, s3_gb)
            s3_gb -= covered
            free += covered * unit
        elif kind == "rds" and row.get("type") in rules["rds_free_types"]:
            covered = min(qty, rds_hours)
            rds_hours -= covered
            free += covered * unit
        elif kind == "rds_storage":
            covered = min(qty, rds_gb)
            rds_gb -= covered
            free += covered * unit
    return free


def cost_regime_totals(rows, prices, regime):
    """{after, during, credits_months, months, title} in USD per month."""
    after = sum(float(r["usd"]) for r in rows)
    rules = prices["prices_regimes"].get(regime)
    if rules is None:
        raise ValueError(f"unknown regime {regime!r}: use legacy, free_plan or paid_plan")
    result = {"regime": regime, "title": rules["title"], "months": rules["months"], "after": after}
    if regime == "legacy":
        result["during"] = max(0.0, after - _legacy_free_usd(rows, prices))
        result["credits_months"] = 0
    else:
        credits = float(rules["credits_usd"])
        # Credits pay every service; out of pocket nothing until they run out.
        months = credits / after if after else float(rules["months"])
        result["during"] = 0.0
        result["credits_usd"] = credits
        result["credits_months"] = min(months, float(rules["months"]))
    return result


# Items priced as a quantity of the item times one price: kind -> (item field, price key).
_PER_UNIT = {
    "ebs": ("gb", "prices_ebs_gp3_gb_month"),
    "secrets": ("count", "prices_secret_month"),
}


def cost_plan_phase(phase, prices):
    """Rows and totals of one of the plan's tables, priced today, under the legacy regime."""
    hours = float(prices["prices_hours_per_month"])
    ipv4 = hours * float(prices["prices_public_ipv4_hour"])
    rows = []
    for item in phase["items"]:
        kind = item["kind"]
        if kind == "ec2":
            rows.append(
                {
                    "item": f"{item['service']}: {item['config']}",
                    "kind": "ec2",
                    "type": item["type"],
                    "quantity": hours,
                    "usd": _hourly(prices, "prices_ec2_hourly", item["type"]) * hours,
                }
            )
            rows.append(
                {
                    "item": "public IPv4 of the instance (not in the plan)",
                    "kind": "ipv4",
                    "quantity": hours,
                    "usd": ipv4,
                    "new": True,
                }
            )
        elif kind == "rds":
            rows.append(
                {
                    "item": f"{item['service']}: {item['type']}",
                    "kind": "rds",
                    "type": item["type"],
                    "quantity": hours,
                    "usd": _hourly(prices, "prices_rds_hourly", item["type"]) * hours,
                }
            )
            rows.append(
                {
                    "item": f"{item['service']}: {item['gb']} GB storage",
                    "kind": "rds_storage",
                    "quantity": float(item["gb"]),
                    "usd": float(item["gb"]) * float(prices["prices_rds_gp2_gb_month"]),
                }
            )
        elif kind == "beanstalk":
            rows.append(
                {
                    "item": f"{item['service']}: {item['type']}",
                    "kind": "ec2",
                    "type": item["type"],
                    "quantity": hours,
                    "usd": _hourly(prices, "prices_ec2_hourly", item["type"]) * hours,
                }
            )
            rows.append(
                {
                    "item": f"{item['service']}: {item['gb']} GB gp3 root",
                    "kind": "ebs",
                    "quantity": float(item["gb"]),
                    "usd": float(item["gb"]) * float(prices["prices_ebs_gp3_gb_month"]),
                }
            )
            rows.append(
                {
                    "item": f"{item['service']}: load balancer (1 LCU)",
                    "kind": "alb",
                    "quantity": hours,
                    "usd": hours
                    * (float(prices["prices_alb_hour"]) + float(prices["prices_alb_lcu_hour"])),
                }
            )
            rows.append(
                {
                    "item": "public IPv4: instance + load balancer in 2 zones (not in the plan)",
                    "kind": "ipv4",
                    "quantity": 3 * hours,
                    "usd": 3 * ipv4,
                    "new": True,
                }
            )
        elif kind == "s3":
            rows.append(
                {
                    "item": f"{item['service']}: {item['gb']} GB (CloudFront: 1 TB/month free)",
                    "kind": "s3",
                    "quantity": float(item["gb"]),
                    "usd": float(item["gb"]) * float(prices["prices_s3_standard_gb_month"]),
                }
            )
        elif kind == "route53":
            rows.append(
                {
                    "item": f"{item['service']}: {item['config']}",
                    "kind": "route53",
                    "quantity": 1,
                    "usd": float(prices["prices_route53_zone_month"]),
                }
            )
        elif kind in _PER_UNIT:
            field, price = _PER_UNIT[kind]
            quantity = float(item[field])
            rows.append(
                {
                    "item": f"{item['service']}: {item['config']}",
                    "kind": kind,
                    "quantity": quantity,
                    "usd": quantity * float(prices[price]),
                }
            )
        elif kind == "fixed":
            rows.append(
                {
                    "item": item.get("label") or f"{item['service']} (plan's estimate, kept)",
                    "kind": "fixed",
                    "quantity": 1,
                    "usd": float(item["usd"]),
                }
            )
        else:
            raise ValueError(f"unknown item kind {kind!r} in prices_plan_phases")
    totals = cost_regime_totals(rows, prices, "legacy")
    totals["new_charges"] = sum(float(r["usd"]) for r in rows if r.get("new"))
    return {"rows": rows, "totals": totals}


class FilterModule:
    def filters(self):
        return {
            "cost_rows": cost_rows,
            "cost_regime_totals": cost_regime_totals,
            "cost_plan_phase": cost_plan_phase,
        }
