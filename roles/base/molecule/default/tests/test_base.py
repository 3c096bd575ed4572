"""What an operator sees on a host the base role converged."""


def test_swap_file_is_formatted_and_sized_for_2_gib(host):
    # 1 GiB of memory (as set for the scenario) + this file = 2 GiB.
    assert host.run("blkid -o value -s TYPE /swapfile").stdout.strip() == "swap"
    size = int(host.run("stat -c %s /swapfile").stdout)
    assert size == 1024 * 1024 * 1024
    # Listed for boot (not turned on here: swap would be the host kernel's).
    fstab = host.run("findmnt --fstab -n -o SOURCE,FSTYPE /swapfile").stdout.split()
    assert fstab == ["/swapfile", "swap"]


def test_time_zone_is_madrid(host):
    out = host.run("env -u TZ date -d '2026-07-01 12:00 UTC' +%Z")
    assert out.stdout.strip() == "CEST"


def test_journal_is_capped(host):
    out = host.check_output("systemd-analyze cat-config systemd/journald.conf")
    assert "SystemMaxUse=100M" in out


def test_unattended_upgrades_run_daily(host):
    out = host.check_output("apt-config dump APT::Periodic")
    assert 'APT::Periodic::Unattended-Upgrade "1";' in out
    # unattended-upgrade reads its configuration without error.
    assert host.run("unattended-upgrade --help").rc == 0


def test_deploy_user_has_sudo_and_no_password(host):
    assert host.run("runuser -u deploy -- sudo -n true").rc == 0
    shadow = host.check_output("getent shadow deploy").split(":")[1]
    assert shadow in ("*", "!", "!*")


def test_service_user_cannot_log_in(host):
    assert host.user("masclet").shell == "/usr/sbin/nologin"
    out = host.run("runuser -u masclet -- id -u")
    assert out.rc == 0
    login = host.run("su - masclet -c true")
    assert login.rc != 0


def test_service_user_writes_shared_folders_others_cannot(host):
    assert host.run("runuser -u masclet -- touch /srv/masclet/shared/imports/probe").rc == 0
    assert host.run("runuser -u deploy -- ls /srv/masclet/shared/imports").rc != 0
    host.run("rm -f /srv/masclet/shared/imports/probe")
