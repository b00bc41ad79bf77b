#!/usr/bin/env bash
# Emulator conformance: runs schemathesis (a real OpenAPI tester, from PyPI) against a fresh
# podero-sandbox, checking every response's status code, content type and body against
# ../shared/podero-partner-api.openapi.yaml. Exits non-zero on any finding.
#
#   Scripts/conformance.sh [SANDBOX_BINARY]
# Excluded: POST /api/partners/v2.0/auth/token (the end-user password grant, which the daemon never
# uses and the emulator does not serve).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
spec=${PODERO_SPEC:-../shared/podero-partner-api.openapi.yaml}
[ -f "$spec" ] || { echo "conformance: $spec not found (shared/ beside the repository)" >&2; exit 1; }
ensure_schemathesis
sandbox=${1:-$(swift build --show-bin-path)/podero-sandbox}

work=$(mktemp -d "${TMPDIR:-/tmp}/podero-conformance.XXXXXX")
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM

export SANDBOX_ORG_ID=3fa85f64-5717-4562-b3fc-2c963f66afa6
"$sandbox" --port 0 --org-id "$SANDBOX_ORG_ID" --client-id conformance --client-secret conformance-secret \
    > "$work/out" 2>&1 &
pid=$!
for _ in $(seq 1 50); do grep -q "listening on" "$work/out" && break; sleep 0.1; done
export SANDBOX_BASIC
SANDBOX_BASIC=$(printf '%s' conformance:conformance-secret | base64)
export SANDBOX_URL
SANDBOX_URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/out")
export SANDBOX_TOKEN
SANDBOX_TOKEN=$(curl -sf -u conformance:conformance-secret -H 'Content-Type: application/json' \
    -d '{"grant_type":"client_credentials"}' "$SANDBOX_URL/oauth2/token/" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
# Some end-users and team members to read, update and delete.
curl -sf -X POST "$SANDBOX_URL/_sandbox/seed" -H 'Content-Type: application/json' -d '[
  {"role": "user", "email": "customer@example.net", "external_user_id": "cust-1", "town": "Wien"},
  {"role": "staff", "email": "staff@example.com", "external_user_id": "emp-1", "first_name": "Sam"},
  {"role": "admin", "email": "admin@example.com", "external_user_id": "emp-2", "deleted": true}
]'
# The reconstructed spec omits the framework's 422 for a malformed boolean query parameter
# (include_deleted, soft_delete) on the operations that take one; the emulator answers 422 as the
# real API's framework does, so the checked copy documents it. Nothing else is changed.
python3 - "$spec" "$work/spec.yaml" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
for path, item in spec["paths"].items():
    for method, op in item.items():
        if not isinstance(op, dict) or "responses" not in op:
            continue
        names = [p.get("name") or p.get("$ref", "").rsplit("/", 1)[-1] for p in op.get("parameters", [])]
        if any(n in ("include_deleted", "IncludeDeleted", "soft_delete") for n in names):
            op["responses"].setdefault("422", {"$ref": "#/components/responses/ValidationError"})
yaml.safe_dump(spec, open(sys.argv[2], "w"), sort_keys=False)
PY
# use_after_free (ST301) is skipped: a soft-deleted user stays visible with include_deleted=true by
# design (SEEN), which the check reads as "deleted resource still available" whenever the stateful
# phase happens to chain DELETE ?soft_delete=true and GET ?include_deleted=true (a flaky false alarm).
python3 -m schemathesis.cli --config-file Scripts/schemathesis.toml run "$work/spec.yaml" \
    --exclude-path /api/partners/v2.0/auth/token --checks all --exclude-checks use_after_free --no-color
