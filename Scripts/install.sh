#!/usr/bin/env bash
# Installs podero-team-sync on a server: the release binary, the systemd unit, the example
# configuration (never overwriting an existing one) and the secret files' places.
# The service runs as a dynamic user (DynamicUser=yes); secrets reach it as systemd credentials.
#
#   sudo Scripts/install.sh [PREFIX=/usr/local]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
prefix=${1:-/usr/local}
[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo $0)" >&2; exit 1; }
ensure_packages libldap-2.5-0 libsqlite3-0
ensure_swift
swift build -c release --product podero-team-sync
install -D -m 0755 "$(swift build -c release --show-bin-path)/podero-team-sync" "$prefix/bin/podero-team-sync"
# A system user of the same name: systemd's DynamicUser= then uses it, and an administrator can
# run `sudo -u podero-team-sync podero-team-sync status` against the service's journal.
if ! id podero-team-sync >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin podero-team-sync
    echo "created the system user podero-team-sync"
fi
install -D -m 0644 systemd/podero-team-sync.service /etc/systemd/system/podero-team-sync.service
if [ "$prefix" != /usr/local ]; then
    sed -i "s|/usr/local/bin/podero-team-sync|$prefix/bin/podero-team-sync|" /etc/systemd/system/podero-team-sync.service
fi
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
fi
