#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts a local slapd with a sample organisation
# and podero-sandbox (the local Podero emulator), then shows what podero-team-sync does:
# check-config, plan, sync, a change in the directory, plan and sync again, status, the audit
# export and its verification. Everything runs on 127.0.0.1 and is removed at the end.
#
#   Scripts/demo.sh            # KEEP=1 keeps the fixtures running and prints how to reach them
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
ensure_packages "${PODERO_PACKAGES[@]}"
ensure_swift

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "podero-team-sync $*"; "$bin/podero-team-sync" "$@" --config "$work/config.yaml" || echo "(exit $?)"; }

step "Building (the first build takes a few minutes)"
swift build --product podero-team-sync >&2
swift build --product podero-sandbox >&2
bin=$(swift build --show-bin-path)

work=$(mktemp -d "${TMPDIR:-/tmp}/podero-demo.XXXXXX")
sandbox_pid=""
cleanup() {
    [ "${KEEP:-0}" = 1 ] && { echo "kept: $work (stop: Scripts/slapd-fixture.sh stop $work/slapd; kill $sandbox_pid)"; return; }
    [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null
    Scripts/slapd-fixture.sh stop "$work/slapd" || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

step "Starting a local directory (OpenLDAP slapd) with a sample organisation"
python3 Scripts/gen-ldif.py --people 40 --tricky > "$work/org.ldif"
Scripts/slapd-fixture.sh start "$work/slapd" "$work/org.ldif"
set -a; . "$work/slapd/env"; set +a
export LDAPNOINIT=1
echo "40 people in ou=people, groups podero-admins (nested three levels) and podero-staff (departments, a cycle),"
echo "plus tricky entries: non-ASCII names, shared and missing e-mails, an escaped DN, a disabled person."

step "Starting podero-sandbox, the local Podero emulator, with an end-user and a hand-made admin"
printf 'sync-secret\n' > "$work/ldap-password"
printf 'demo-client-secret\n' > "$work/client-secret"
chmod 600 "$work/ldap-password" "$work/client-secret"
cat > "$work/seed.json" <<'JSON'
[{"role": "user", "email": "customer@example.net", "first_name": "Cleo", "last_name": "Customer"},
 {"role": "admin", "email": "it-boss@example.com", "first_name": "Hand", "last_name": "Made"}]
JSON
org=3fa85f64-5717-4562-b3fc-2c963f66afa6
"$bin/podero-sandbox" --port 0 --org-id "$org" --client-id demo --client-secret-file "$work/client-secret" \
    --state "$work/sandbox.json" --seed "$work/seed.json" > "$work/sandbox.out" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/sandbox.out" && break; sleep 0.1; done
sandbox_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/sandbox.out")
echo "podero-sandbox on $sandbox_url"

cat > "$work/config.yaml" <<YAML
version: 1
directory:
  url: $TEAMSYNC_LDAP_URL
  start_tls: true
  tls_ca_file: $TEAMSYNC_LDAP_CA
  bind_dn: cn=podero-sync,ou=services,dc=example,dc=com
  bind_password_file: $work/ldap-password
  page_size: 100
  users:
    base_dn: ou=people,dc=example,dc=com
    filter: (objectClass=inetOrgPerson)
    disabled_filter: (employeeType=disabled)
  groups:
    base_dn: ou=groups,dc=example,dc=com
roles:
  - group: cn=podero-admins,ou=groups,dc=example,dc=com
    role: admin
  - group: cn=podero-staff,ou=groups,dc=example,dc=com
    role: staff
podero:
  base_url: $sandbox_url
  org_id: $org
  client_id: demo
  client_secret_file: $work/client-secret
sync:
  departure_grace: 0s
  max_deletions: 10
  max_deletion_percent: 30
journal:
  path: $work/state/journal.sqlite
YAML
echo "configuration: $work/config.yaml"

step "check-config --connect: the file is valid, the directory bind and the Podero token work"
show check-config --connect --log-level warning

step "plan: what a sync would do and why (nothing is written)"
show plan --log-level warning

step "sync: do it"
show sync --log-level warning

step "plan --check: nothing left to do (exit 0)"
show plan --check --log-level warning | tail -1

step "A change in the directory: user00011 joins podero-admins, user00020 leaves the staff departments"
ldapmodify -x -H "$TEAMSYNC_LDAP_URL" -D cn=admin,dc=example,dc=com -w admin-secret > /dev/null <<'LDIF'
dn: cn=podero-admins,ou=groups,dc=example,dc=com
changetype: modify
add: member
member: uid=user00011,ou=people,dc=example,dc=com

dn: cn=dept-00,ou=groups,dc=example,dc=com
changetype: modify
delete: member
member: uid=user00020,ou=people,dc=example,dc=com
LDIF

step "plan, then sync again"
show plan --log-level warning
show sync --log-level warning

step "status: last runs, accounts per role, pending departures, cases that need a human"
show status --log-level warning

step "audit export (CSV, last lines) and audit verify"
show audit export --format csv --log-level warning | tail -5
show audit verify --log-level warning
"$bin/podero-team-sync" audit export --output "$work/audit.jsonl" --config "$work/config.yaml" --log-level warning
echo "independent check of the hash chain (Python, no podero-team-sync):"
python3 Scripts/verify-audit-export.py "$work/audit.jsonl"
step "Done"
