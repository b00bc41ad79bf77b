#!/usr/bin/env bash
# Emulator throughput: podero-sandbox (release build) pinned to one core, wrk on the other with 16
# keep-alive connections, half creates and half partial updates, for DURATION seconds.
# Target (issue 3): >= 2,000 create-or-update requests per second. Also prints the start-up time.
#
#   Scripts/bench-sandbox.sh [DURATION=10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
duration=${1:-10}
ensure_packages wrk util-linux curl python3
ensure_swift
swift build -c release --product podero-sandbox >&2
sandbox=$(swift build -c release --show-bin-path)/podero-sandbox
work=$(mktemp -d "${TMPDIR:-/tmp}/podero-bench-sandbox.XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM

export ORG=3fa85f64-5717-4562-b3fc-2c963f66afa6 ID_PREFIX=00000000-0000-4000-8000- SEEDED=1000
start=$(date +%s.%N)
taskset -c 0 "$sandbox" --port 0 --org-id "$ORG" --client-id bench --client-secret bench-secret > "$work/out" 2>&1 &
pid=$!
for _ in $(seq 1 200); do grep -q "listening on" "$work/out" && break; sleep 0.005; done
ready=$(date +%s.%N)
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/out")
python3 -c "
import json, os
prefix, n = os.environ['ID_PREFIX'], int(os.environ['SEEDED'])
print(json.dumps([{'id': '%s%012d' % (prefix, i), 'role': 'staff', 'email': 'seed%d@example.com' % i} for i in range(n)]))" > "$work/seed.json"
curl -sf -X POST "$url/_sandbox/seed" -H 'Content-Type: application/json' --data-binary @"$work/seed.json"
export TOKEN
TOKEN=$(curl -sf -u bench:bench-secret -H 'Content-Type: application/json' -d '{"grant_type":"client_credentials"}' \
    "$url/oauth2/token/" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
result=$(taskset -c 1 wrk -t1 -c16 -d"${duration}s" -s Scripts/bench-sandbox.lua "$url" | grep '^BENCH')
echo "$result"
python3 - "$result" "$start" "$ready" <<'PY'
import sys
fields = dict(kv.split("=") for kv in sys.argv[1].split()[1:])
rate = int(fields["requests"]) / float(fields["seconds"])
print(f"start-up:   {(float(sys.argv[3]) - float(sys.argv[2])) * 1000:.0f} ms (launch to 'listening')")
print(f"throughput: {rate:,.0f} create-or-update requests/s on one core (target >= 2,000)")
print(f"latency:    p50 {fields['p50_ms']} ms, p99 {fields['p99_ms']} ms; non-2xx {fields['non2xx']}, socket errors {fields['errors']}")
sys.exit(0 if rate >= 2000 and fields["non2xx"] == "0" and fields["errors"] == "0" else 1)
PY
