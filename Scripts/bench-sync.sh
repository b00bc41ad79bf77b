#!/usr/bin/env bash
# Sync benchmarks (issue 4), release builds, everything on 127.0.0.1:
#  A. CREATES first-time creates against podero-sandbox with --latency 20ms and
#     max_concurrency 16: creates per second against the ideal 16 / 20 ms = 800/s (target >= 70%).
#  B. PEOPLE people already in sync (set up by a first sync, not timed): a no-op `sync` against
#     the bare `ldapsearch` paged read of the same directory in the same run (target <= 2x), and
#     the sync's peak memory (target <= 300 MB). Also the journal's size per managed account and
#     per audit record.
#
#   Scripts/bench-sync.sh [PEOPLE=100000] [CREATES=10000] [RUNS=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
people=${1:-100000}
creates=${2:-10000}
runs=${3:-3}
page=500
ensure_packages "${PODERO_PACKAGES[@]}" time bc
ensure_swift
swift build -c release --product podero-team-sync >&2
swift build -c release --product podero-sandbox >&2
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d "${TMPDIR:-/tmp}/podero-bench-sync.XXXXXX")
sandbox_pid=""
stop_all() {
    [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null || true
    sandbox_pid=""
    Scripts/slapd-fixture.sh stop "$work/slapd" || true
}
# KEEP=1 leaves the last world (slapd, sandbox, journal) running for profiling, and says where.
trap 'if [ "${KEEP:-0}" = 1 ]; then echo "kept $work (config $work/config.yaml)" >&2; else stop_all; rm -rf "$work"; fi' EXIT INT TERM
export LDAPNOINIT=1
org=3fa85f64-5717-4562-b3fc-2c963f66afa6
printf 'sync-secret\n' > "$work/ldap-password"; printf 'bench-secret\n' > "$work/client-secret"
chmod 600 "$work/ldap-password" "$work/client-secret"

# Starts slapd with N people (all in podero-staff) and the sandbox with extra switches; writes config.
world() {
    local n=$1; shift
    stop_all
    rm -rf "$work/state" "$work/sandbox.json"
    python3 Scripts/gen-ldif.py --people "$n" --all-staff > "$work/org.ldif"
    Scripts/slapd-fixture.sh start "$work/slapd" "$work/org.ldif" 2>/dev/null
    set -a; . "$work/slapd/env"; set +a
    "$bin/podero-sandbox" --port 0 --org-id "$org" --client-id bench --client-secret-file "$work/client-secret" "$@" > "$work/sandbox.out" 2>&1 &
    sandbox_pid=$!
    for _ in $(seq 1 100); do grep -q "listening on" "$work/sandbox.out" && break; sleep 0.05; done
    cat > "$work/config.yaml" <<YAML
version: 1
directory:
  url: $TEAMSYNC_LDAP_URL
  bind_dn: cn=podero-sync,ou=services,dc=example,dc=com
  bind_password_file: $work/ldap-password
  timeout: 60s
  page_size: $page
  users:
    base_dn: ou=people,dc=example,dc=com
  groups:
    base_dn: ou=groups,dc=example,dc=com
roles:
  - group: cn=podero-admins,ou=groups,dc=example,dc=com
    role: admin
  - group: cn=podero-staff,ou=groups,dc=example,dc=com
    role: staff
podero:
  base_url: $(grep -o 'http://127.0.0.1:[0-9]*' "$work/sandbox.out")
  org_id: $org
  client_id: bench
  client_secret_file: $work/client-secret
  timeout: 60s
  max_concurrency: 16
journal:
  path: $work/state/journal.sqlite
YAML
}
sync() { "$bin/podero-team-sync" sync --config "$work/config.yaml" --log-level warning; }

if [ "$creates" -gt 0 ]; then
echo "A. $creates first-time creates, sandbox latency 20 ms, max_concurrency 16" >&2
world "$creates" --latency 20ms
start=$(now); sync > "$work/a.out"; end=$(now)
made=$(grep -o 'did [0-9]* create' "$work/a.out" | grep -o '[0-9]*')
rate=$(echo "$made / ($end - $start)" | bc -l)
else made=0; rate=0; fi

echo "B. $people people in sync: setting up with a first sync (not timed)" >&2
world "$people"
sync > /dev/null
bind=(-x -H "$TEAMSYNC_LDAP_URL" -D "cn=podero-sync,ou=services,dc=example,dc=com" -w sync-secret)
baseline() {
    ldapsearch "${bind[@]}" -LLL -E "pr=$page/noprompt" -b "ou=people,dc=example,dc=com" "(objectClass=inetOrgPerson)" entryUUID mail givenName sn > /dev/null
    ldapsearch "${bind[@]}" -LLL -E "pr=$page/noprompt" -b "ou=groups,dc=example,dc=com" "(objectClass=groupOfNames)" member > /dev/null
}
base_times=(); sync_times=(); peaks=()
for _ in $(seq 1 "$runs"); do
    start=$(now); baseline; end=$(now); base_times+=("$(echo "$end - $start" | bc -l)")
    start=$(now); /usr/bin/time -f %M -o "$work/rss" "$bin/podero-team-sync" sync --config "$work/config.yaml" --log-level warning > "$work/b.out"; end=$(now)
    grep -q "in sync, nothing to do" "$work/b.out" || { echo "the no-op sync did something: $(cat "$work/b.out")" >&2; exit 1; }
    sync_times+=("$(echo "$end - $start" | bc -l)"); peaks+=("$(cat "$work/rss")")
done
base=$(printf '%s\n' "${base_times[@]}" | median)
noop=$(printf '%s\n' "${sync_times[@]}" | median)
peak=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -1)
sizes=$(python3 - "$work/state/journal.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def size(table):
    try:
        return db.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ? OR name LIKE ?", (table, "sqlite_autoindex_" + table + "%")).fetchone()[0] or 0
    except sqlite3.OperationalError:
        return None
managed = db.execute("SELECT count(*) FROM managed_account").fetchone()[0]
audit = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
m, a = size("managed_account"), size("audit_log")
if m is None:
    print(f"journal: {managed} managed accounts, {audit} audit records (dbstat not available)")
else:
    print(f"journal: {m / managed:.0f} bytes per managed account ({managed}), {a / audit:.0f} bytes per audit record ({audit})")
PY
)
printf 'A. creates:      %d in %.2f s = %.0f creates/s = %.0f%% of the ideal 800/s (target >= 70%%)\n' "$made" "$(echo "$end" | cut -c1)" "$rate" "$(echo "$rate / 8" | bc -l)" | sed 's/ in [0-9.]* s//'
printf 'B. ldapsearch:   %.3f s (median of %d; people + groups, page size %d)\n' "$base" "$runs" "$page"
printf 'B. no-op sync:   %.3f s (median of %d, whole process: directory, Podero list, journal, plan)\n' "$noop" "$runs"
printf 'B. ratio:        %.2fx (target <= 2)\n' "$(echo "$noop / $base" | bc -l)"
printf 'B. peak memory:  %.1f MB (max RSS; target <= 300)\n' "$(echo "$peak / 1024" | bc -l)"
echo "$sizes"
