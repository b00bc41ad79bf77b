#!/usr/bin/env bash
# Installs podero-team-sync from source on a server: the release binary, the systemd units, the
# system user (systemd-sysusers), the example configuration (never overwriting an existing one)
# and the secret files' places. The Debian package (Scripts/package-deb.sh) does the same the
# Debian way and is the first choice; this is for machines that build from source.
# The service runs as the system user podero-team-sync, which owns /var/lib/podero-team-sync;
# secrets stay root's and reach the service as systemd credentials.
#
#   sudo Scripts/install.sh [PREFIX=/usr/local]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
prefix=${1:-/usr/local}
[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo $0)" >&2; exit 1; }
ensure_packages libldap-dev libsqlite3-dev
ensure_swift
swift build -c release --product podero-team-sync
install -D -m 0755 "$(swift build -c release --show-bin-path)/podero-team-sync" "$prefix/bin/podero-team-sync"
install -D -m 0644 systemd/podero-team-sync.sysusers /usr/lib/sysusers.d/podero-team-sync.conf
systemd-sysusers podero-team-sync.conf
install -d -m 0700 -o podero-team-sync -g podero-team-sync /var/lib/podero-team-sync
for unit in podero-team-sync.service podero-team-sync@.service podero-team-sync-review.service podero-team-sync-review.timer; do
    sed "s|/usr/bin/podero-team-sync|$prefix/bin/podero-team-sync|" "systemd/$unit" > "/etc/systemd/system/$unit"
    chmod 0644 "/etc/systemd/system/$unit"
done
install -d -m 0755 /etc/podero-team-sync
if [ ! -e /etc/podero-team-sync/config.yaml ]; then
    install -m 0644 config/podero-team-sync.example.yaml /etc/podero-team-sync/config.yaml
    echo "wrote /etc/podero-team-sync/config.yaml: edit it"
fi
install -m 0644 config/podero-team-sync.active-directory.example.yaml /etc/podero-team-sync/active-directory.example.yaml
for secret in ldap-password client-secret; do
    if [ ! -e "/etc/podero-team-sync/$secret" ]; then
        install -m 0600 /dev/null "/etc/podero-team-sync/$secret"
        echo "created /etc/podero-team-sync/$secret (mode 0600): put the secret in it"
    fi
done
install -D -m 0644 README.md "$prefix/share/doc/podero-team-sync/README.md"
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    echo "then: podero-team-sync check-config --connect --config /etc/podero-team-sync/config.yaml"
    echo "      systemctl enable --now podero-team-sync"
    echo "      systemctl enable --now podero-team-sync-review.timer   # the monthly access review (optional)"
fi
