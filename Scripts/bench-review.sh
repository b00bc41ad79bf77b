#!/usr/bin/env bash
# Access review benchmark (issue 12), release builds, everything on 127.0.0.1: PEOPLE people in
# sync (set up by a first sync, not timed), every account with a last login and a join date in
# podero-sandbox; then, alternating RUNS times, the no-op `sync` (the baseline) and `review`
# (--json and the table to /dev/null, and --html to a file) of the same directory and Podero. Target: review
# <= 1.2x the no-op sync, medians of the same run.
#
#   Scripts/bench-review.sh [PEOPLE=100000] [RUNS=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
people=${1:-100000}
runs=${2:-3}
ensure_packages "${PODERO_PACKAGES[@]}" time bc
ensure_swift
swift build -c release --product podero-team-sync >&2
swift build -c release --product podero-sandbox >&2
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d "${TMPDIR:-/tmp}/podero-bench-review.XXXXXX")
sandbox_pid=""
stop_all() {
    [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null || true
    Scripts/slapd-fixture.sh stop "$work/slapd" || true
}
# KEEP=1 leaves the world (slapd, sandbox, journal) running for profiling, and says where.
trap 'if [ "${KEEP:-0}" = 1 ]; then echo "kept $work (config $work/config.yaml)" >&2; else stop_all; rm -rf "$work"; fi' EXIT INT TERM
export LDAPNOINIT=1
org=3fa85f64-5717-4562-b3fc-2c963f66afa6
printf 'sync-secret\n' > "$work/ldap-password"; printf 'bench-secret\n' > "$work/client-secret"
chmod 600 "$work/ldap-password" "$work/client-secret"

python3 Scripts/gen-ldif.py --people "$people" --all-staff > "$work/org.ldif"
Scripts/slapd-fixture.sh start "$work/slapd" "$work/org.ldif" 2>/dev/null
set -a; . "$work/slapd/env"; set +a
"$bin/podero-sandbox" --port 0 --org-id "$org" --client-id bench --client-secret-file "$work/client-secret" > "$work/sandbox.out" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/sandbox.out" && break; sleep 0.05; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/sandbox.out")
cat > "$work/config.yaml" <<YAML
version: 1
directory:
  url: $TEAMSYNC_LDAP_URL
  bind_dn: cn=podero-sync,ou=services,dc=example,dc=com
  bind_password_file: $work/ldap-password
  timeout: 60s
  page_size: 500
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
  base_url: $url
  org_id: $org
  client_id: bench
  client_secret_file: $work/client-secret
  timeout: 60s
  max_concurrency: 16
sync:
  max_deletions: 100
journal:
  path: $work/state/journal.sqlite
YAML
echo "setting up $people people with a first sync (not timed)" >&2
"$bin/podero-team-sync" sync --config "$work/config.yaml" --log-level warning > /dev/null
# Every account gets a last login (a third of them long ago: flagged inactive).
curl -sf "$url/_sandbox/state" | python3 -c '
import json, sys
users = json.load(sys.stdin)
out = [{"id": u["id"], "last_login": ("2025-01-0%dT08:00:00Z" % (1 + i % 9)) if i % 3 == 0 else "2026-11-30T08:00:00.123456+00:00", "is_onboarded": True}
       for i, u in enumerate(users)]
json.dump(out, sys.stdout)' > "$work/activity.json"
curl -sf -X POST "$url/_sandbox/activity" -H 'Content-Type: application/json' --data-binary @"$work/activity.json"

sync_times=(); review_times=(); text_times=(); html_times=()
for _ in $(seq 1 "$runs"); do
    start=$(now); "$bin/podero-team-sync" sync --config "$work/config.yaml" --log-level warning > "$work/sync.out"; end=$(now)
    grep -q "in sync, nothing to do" "$work/sync.out" || { echo "the no-op sync did something: $(cat "$work/sync.out")" >&2; exit 1; }
    sync_times+=("$(echo "$end - $start" | bc -l)")
    start=$(now); "$bin/podero-team-sync" review --json --config "$work/config.yaml" --log-level warning > "$work/review.json"; end=$(now)
    review_times+=("$(echo "$end - $start" | bc -l)")
    start=$(now); "$bin/podero-team-sync" review --config "$work/config.yaml" --log-level warning > /dev/null; end=$(now)
    text_times+=("$(echo "$end - $start" | bc -l)")
    start=$(now); "$bin/podero-team-sync" review --html "$work/review.html" --config "$work/config.yaml" --log-level warning > /dev/null; end=$(now)
    html_times+=("$(echo "$end - $start" | bc -l)")
done
rows=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["accounts"]), d["summary"]["flags"]["inactive"])' "$work/review.json")
noop=$(printf '%s\n' "${sync_times[@]}" | median)
review=$(printf '%s\n' "${review_times[@]}" | median)
text=$(printf '%s\n' "${text_times[@]}" | median)
html=$(printf '%s\n' "${html_times[@]}" | median)
printf 'no-op sync:      %.3f s (median of %d)\n' "$noop" "$runs"
printf 'review --json:   %.3f s (median of %d; %s rows, %s inactive) = %.2fx the no-op sync (target <= 1.2)\n' "$review" "$runs" ${rows% *} ${rows#* } "$(echo "$review / $noop" | bc -l)"
printf 'review (table):  %.3f s (median of %d) = %.2fx the no-op sync (target <= 1.2)\n' "$text" "$runs" "$(echo "$text / $noop" | bc -l)"
printf 'review --html:   %.3f s (median of %d; the text table on stdout too) = %.2fx the no-op sync; page %s bytes\n' "$html" "$runs" "$(echo "$html / $noop" | bc -l)" "$(stat -c %s "$work/review.html")"
