"""The data on the RDS stand-in after the move: the same rows, owned by the application's
role, its sequences where they were, the earlier copy kept as a dump, writes open again."""

import json

RDS = "masclet-molecule-dbmig-rds"
TO_RDS = (
    f"host={RDS} dbname=masclet user=masclet sslmode=verify-full"
    " sslrootcert=/etc/ssl/masclet-db/rds-ca.pem"
)
# Each table's rows, hashed independently of the role's own query: text of every row in
# primary-key order, with one time zone.
SUMS = (
    "SET TimeZone = 'UTC'; SELECT 'animals', count(*), md5(string_agg(a::text, '|' ORDER BY id))"
    " FROM animals a UNION ALL SELECT 'parts', count(*), md5(string_agg(p::text, '|' ORDER BY id))"
    " FROM parts p"
)


def on_instance(host, sql):
    out = host.run(f'runuser -u postgres -- psql -XAtq -d masclet -c "{sql}"')
    assert out.rc == 0, out.stderr
    return out.stdout.strip()


def on_rds(host, sql):
    out = host.run(f"PGPASSWORD=molecule-owner-0 psql -XAtq '{TO_RDS}' -c \"{sql}\"")
    assert out.rc == 0, out.stderr
    return out.stdout.strip()


def test_every_row_is_on_rds_as_on_the_instance(host):
    source = on_instance(host, SUMS)
    assert source.splitlines()[0].startswith("animals|20000|")
    assert on_rds(host, SUMS) == source
    result = json.loads(host.file("/var/lib/molecule-moved-to-rds").content_string)
    assert result["equal"] is True and int(result["rows"]) == 20500


def test_the_objects_are_the_owners_and_sequences_carry_on(host):
    owners = on_rds(host, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
    assert owners == "masclet"
    # The next id is the instance's next one, not 1.
    assert on_rds(host, "SELECT last_value, is_called FROM parts_id_seq") == "500|t"


def test_the_earlier_copy_was_replaced_and_kept(host):
    assert on_rds(host, "SELECT count(*) FROM pg_tables WHERE tablename = 'stale'") == "0"
    dumps = host.run("ls /var/backups/masclet-migrate").stdout.split()
    assert any(d.endswith("-rds-former.dump") for d in dumps), dumps
    assert any(d.endswith("-instance.dump") for d in dumps), dumps


def test_writes_are_open_again(host):
    assert not host.file("/run/masclet-web/writes-frozen").exists
