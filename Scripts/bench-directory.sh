#!/usr/bin/env bash
# Directory read benchmark: an organisation of N people (default 100,000) loaded offline into a
# throwaway slapd; in the same run, a full read by our reader against `ldapsearch` paging the
# same entries (people, then groups) with the same page size. Prints the median of R runs of
# each, the ratio, and our peak memory. Targets (issue 2): ratio <= 1.5, peak <= 250 MB.
#
#   Scripts/bench-directory.sh [PEOPLE] [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
people=${1:-100000}
runs=${2:-3}
page=500
ensure_packages "${PODERO_PACKAGES[@]}" time bc
ensure_swift

swift build -c release --product directory-bench >&2
bench=$(swift build -c release --show-bin-path)/directory-bench

work=$(mktemp -d "${TMPDIR:-/tmp}/podero-bench.XXXXXX")
trap 'Scripts/slapd-fixture.sh stop "$work/slapd" || true; rm -rf "$work"' EXIT INT TERM
python3 Scripts/gen-ldif.py --people "$people" > "$work/org.ldif"
Scripts/slapd-fixture.sh start "$work/slapd" "$work/org.ldif"
set -a; . "$work/slapd/env"; set +a
export LDAPNOINIT=1 TEAMSYNC_PAGE_SIZE=$page
bind=(-x -H "$TEAMSYNC_LDAP_URL" -D "cn=podero-sync,ou=services,dc=example,dc=com" -w sync-secret)

baseline() {
    ldapsearch "${bind[@]}" -LLL -E "pr=$page/noprompt" -b "ou=people,dc=example,dc=com" \
        "(objectClass=inetOrgPerson)" entryUUID mail givenName sn > /dev/null
    ldapsearch "${bind[@]}" -LLL -E "pr=$page/noprompt" -b "ou=groups,dc=example,dc=com" \
        "(objectClass=groupOfNames)" member > /dev/null
}

baseline  # warm the server's caches once for both sides
"$bench" > /dev/null
ours_times=(); base_times=(); peaks=()
for _ in $(seq 1 "$runs"); do
    start=$(now); baseline; end=$(now)
    base_times+=("$(echo "$end - $start" | bc -l)")
    start=$(now)
    /usr/bin/time -f "%M" -o "$work/rss" "$bench" > "$work/out"
    end=$(now)
    ours_times+=("$(echo "$end - $start" | bc -l)")
    peaks+=("$(cat "$work/rss")")
done
base=$(printf '%s\n' "${base_times[@]}" | median)
ours=$(printf '%s\n' "${ours_times[@]}" | median)
peak_kb=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -1)
ratio=$(echo "$ours / $base" | bc -l)
printf 'read result:           %s\n' "$(cat "$work/out")"
printf 'ldapsearch (baseline): %.3f s   (median of %d; people + groups, page size %d)\n' "$base" "$runs" "$page"
printf 'our reader:            %.3f s   (median of %d, whole process)\n' "$ours" "$runs"
printf 'ratio:                 %.2fx    (target <= 1.5)\n' "$ratio"
printf 'peak memory:           %.1f MB  (max RSS of %d runs; target <= 250)\n' "$(echo "$peak_kb / 1024" | bc -l)" "$runs"
