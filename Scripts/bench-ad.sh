#!/usr/bin/env bash
# Active Directory group membership: our own nested expansion (read every group, follow nesting)
# against AD's server-side transitive rule 1.2.840.113556.1.4.1941 (one people search per role
# group), on the same Samba DC and the same data, in the same run. Prints the median of R full
# reads of each and the ratio; the faster one is the default of directory.groups.membership.
# Needs root (AD's ports 389/636) and no other Samba fixture running.
#
#   Scripts/bench-ad.sh [PEOPLE] [RUNS]      # default 5000 people, 3 runs
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
people=${1:-5000}
runs=${2:-3}
ensure_packages "${PODERO_PACKAGES[@]}" "${PODERO_AD_PACKAGES[@]}" bc
ensure_swift

swift build -c release --product directory-bench >&2
bench=$(swift build -c release --show-bin-path)/directory-bench

work=$(mktemp -d "${TMPDIR:-/tmp}/podero-bench-ad.XXXXXX")
trap 'Scripts/samba-fixture.sh stop "$work/samba" || true; rm -rf "$work"' EXIT INT TERM
Scripts/samba-fixture.sh start "$work/samba" "$people"
set -a; . "$work/samba/env"; set +a
export LDAPNOINIT=1 TEAMSYNC_LDAP_URL=$TEAMSYNC_AD_URL TEAMSYNC_BENCH_PROFILE=ad TEAMSYNC_PAGE_SIZE=1000

TEAMSYNC_MEMBERSHIP=expand "$bench" > /dev/null  # warm the server once for both
expand_times=(); chain_times=()
for _ in $(seq 1 "$runs"); do
    for mode in expand in_chain; do
        start=$(now)
        TEAMSYNC_MEMBERSHIP=$mode "$bench" > "$work/$mode.out"
        end=$(now)
        if [ "$mode" = expand ]; then expand_times+=("$(echo "$end - $start" | bc -l)"); else chain_times+=("$(echo "$end - $start" | bc -l)"); fi
    done
done
cmp -s <(sed 's/ seconds=.*//' "$work/expand.out") <(sed 's/ seconds=.*//' "$work/in_chain.out") \
    || { echo "the two modes read different results:" >&2; cat "$work/expand.out" "$work/in_chain.out" >&2; exit 1; }
expand=$(printf '%s\n' "${expand_times[@]}" | median)
chain=$(printf '%s\n' "${chain_times[@]}" | median)
printf 'read result (both):    %s\n' "$(sed 's/ seconds=.*//' "$work/expand.out")"
printf 'membership: expand     %.3f s  (median of %d, whole process)\n' "$expand" "$runs"
printf 'membership: in_chain   %.3f s  (median of %d, whole process)\n' "$chain" "$runs"
printf 'in_chain / expand:     %.2fx\n' "$(echo "$chain / $expand" | bc -l)"
