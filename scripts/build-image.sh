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
# python3-apt, dbus and openssh-server are on every Debian cloud image; having them
# here keeps the container close to an EC2 instance. socat is the stand-ins' relay.
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,ca-certificates,iproute2,procps,openssh-server,socat \
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

# Like Debian's cloud images: the login user is admin, key-only, with sudo. Its
# authorized_keys is written after provision from the key pair (cloud-init's job on EC2).
chroot "$rootfs" useradd --create-home --shell /bin/bash admin
echo 'admin ALL=(ALL) NOPASSWD:ALL' >"$rootfs/etc/sudoers.d/90-cloud-init-users"
chmod 0440 "$rootfs/etc/sudoers.d/90-cloud-init-users"
# Every instance makes its own host keys at first boot, never shares the image's.
rm -f "$rootfs"/etc/ssh/ssh_host_*
# sshd starts only where local-up.sh enables it (the instance's stand-in): Molecule's hosts
# share the machine's network, where a listening sshd is not wanted.
rm -f "$rootfs/etc/systemd/system/multi-user.target.wants/ssh.service"
mkdir -p "$rootfs/etc/systemd/system/ssh.service.d"
printf '%s\n' '[Service]' 'ExecStartPre=' 'ExecStartPre=/usr/bin/ssh-keygen -A' \
  'ExecStartPre=/usr/sbin/sshd -t' >"$rootfs/etc/systemd/system/ssh.service.d/host-keys.conf"
# The controller's stand-ins (moto, pebble) on the container's own 127.0.0.1: each port
# is relayed over a Unix socket that run-host-container.sh mounts from the controller.
printf '%s\n' '[Unit]' "Description=Relay 127.0.0.1:%i to the controller's stand-in" \
  'ConditionPathExists=/var/lib/standin-relay' '' '[Service]' \
  'ExecStart=/usr/bin/socat TCP-LISTEN:%i,bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:/var/lib/standin-relay/%i.sock' \
  'Restart=always' '' '[Install]' 'WantedBy=multi-user.target' \
  >"$rootfs/etc/systemd/system/standin-relay@.service"
for port in $RELAY_PORTS; do
  ln -sf /etc/systemd/system/standin-relay@.service \
    "$rootfs/etc/systemd/system/multi-user.target.wants/standin-relay@$port.service"
done
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
# An empty package list must look old, or apt's cache_valid_time takes the
# fresh directory for a fresh update and installs find nothing.
touch -d @0 "$rootfs/var/lib/apt/lists"

tar -C "$rootfs" -c . | docker import --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'ENV container=docker' - "$IMAGE" >/dev/null
echo "build-image: $IMAGE ready"
