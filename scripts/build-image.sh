#!/usr/bin/env bash
# Build the Debian 12 image with systemd as PID 1 (no registry can be pulled
# here): debootstrap a minimal rootfs, trust this machine's extra CAs, import it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/local-env.sh
. "$ROOT/scripts/local-env.sh"

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
rootfs=$(mktemp -d /var/tmp/masclet-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

echo "build-image: debootstrap bookworm into $rootfs (about a minute)"
# python3-apt and dbus are on every Debian cloud image; having them here keeps
# the container close to an EC2 instance and saves each test an install.
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,ca-certificates,iproute2,procps \
  bookworm "$rootfs" "$MIRROR" >"$STATE/debootstrap.log" 2>&1 \
  || { tail -n 20 "$STATE/debootstrap.log" >&2; echo "build-image: debootstrap failed" >&2; exit 1; }

cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
EOF
# HTTPS from inside the container (pip, npm) needs the CAs this machine trusts.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null
fi
# A container has no consoles to spawn gettys on, and no kernel modules to load.
for unit in getty@tty1.service console-getty.service systemd-modules-load.service; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
echo masclet-local >"$rootfs/etc/hostname"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
# An empty package list must look old, or apt's cache_valid_time takes the
# fresh directory for a fresh update and installs find nothing.
touch -d @0 "$rootfs/var/lib/apt/lists"

tar -C "$rootfs" -c . | docker import --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'ENV container=docker' - "$IMAGE" >/dev/null
echo "build-image: $IMAGE ready"
