#!/usr/bin/env bash
# Issue 13's attacks on the audit log, against the world `KEEP=1 Scripts/demo.sh` leaves running:
#   1. the last records cut with sqlite3 (triggers dropped first),
#   2. an older copy of the database restored,
#   3. a checkpoint forged (signed with another key),
#   4. a spreadsheet formula in a CSV cell (a person whose e-mail starts with "=").
# For 1-3 it shows what the hash chain alone says (exit 0: not seen) and then what `audit verify`
# says with the signed checkpoints of journal.checkpoint_file (exit 1, named). It makes a new
# journal (the demo's is moved to journal.sqlite.before-attacks) and a key in DIR.
#
#   KEEP=1 Scripts/demo.sh                # prints "kept: DIR"
#   Scripts/checkpoint-attacks.sh DIR
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
W=${1:?usage: Scripts/checkpoint-attacks.sh DIR (the directory KEEP=1 Scripts/demo.sh kept)}
B=$(swift build --show-bin-path)/podero-team-sync
export LDAPNOINIT=1
set -a; . "$W/slapd/env"; set +a
pts() { echo "\$ podero-team-sync $*"; "$B" "$@" --config "$W/config.yaml"; echo "(exit $?)"; }
quiet() { "$B" "$@" --config "$W/config.yaml" > /dev/null 2>&1; }

rm -f "$W/key" "$W/key.pub" "$W/checkpoints" "$W/other" "$W/other.pub"
"$B" audit keygen --output "$W/key" > /dev/null
grep -v "checkpoint_" "$W/config.yaml" | sed "s|^  path: .*journal.sqlite$|&\n  checkpoint_key_file: $W/key\n  checkpoint_file: $W/checkpoints|" > "$W/config.new"
mv "$W/config.new" "$W/config.yaml"
J=$(sed -n 's|^  path: \(.*journal.sqlite\)$|\1|p' "$W/config.yaml")
[ -f "$J" ] && mv "$J" "$J.before-attacks"
rm -f "$J-wal" "$J-shm"
quiet sync
cp "$J" "$W/older.sqlite"                          # the copy an attacker keeps
quiet sync
quiet sync
echo "== three signed checkpoints written ($(wc -l < "$W/checkpoints") lines in journal.checkpoint_file)"
pts audit verify --public-key "$W/key.pub" --checkpoints "$W/checkpoints"
cp "$J" "$W/good.sqlite"

echo; echo "== 1. the last 6 records cut with sqlite3, triggers dropped first"
for trigger in $(sqlite3 "$J" "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"); do
    sqlite3 "$J" "DROP TRIGGER $trigger"
done
sqlite3 "$J" "DELETE FROM audit_log WHERE seq > (SELECT max(seq) - 6 FROM audit_log)"
pts audit verify
pts audit verify --public-key "$W/key.pub" --checkpoints "$W/checkpoints"

echo; echo "== 2. the older copy restored"
cp "$W/older.sqlite" "$J"; rm -f "$J-wal" "$J-shm"
pts audit verify
pts audit verify --public-key "$W/key.pub" --checkpoints "$W/checkpoints"

echo; echo "== 3. a checkpoint of the last head, signed with another key"
cp "$W/good.sqlite" "$J"; rm -f "$J-wal" "$J-shm"
"$B" audit keygen --output "$W/other" > /dev/null
python3 - "$(tail -1 "$W/checkpoints")" "$W/other" > "$W/forged" <<'PY'
import base64, json, subprocess, sys
checkpoint, key = json.loads(sys.argv[1]), sys.argv[2]
open(key + ".der", "wb").write(base64.b64decode(open(key).read().strip()))
message = json.dumps({k: checkpoint[k] for k in ("head_hash", "journal_id", "seq", "time")}, sort_keys=True, separators=(",", ":"))
open(key + ".msg", "w").write(message)  # Ed25519 signs a whole file, not a stream
signature = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key + ".der", "-keyform", "DER", "-in", key + ".msg"],
    capture_output=True, check=True).stdout
checkpoint["signature"] = base64.b64encode(signature).decode()
print(json.dumps(checkpoint))
PY
rm -f "$W/other.der" "$W/other.msg"
pts audit verify --public-key "$W/key.pub" --checkpoints "$W/forged"

echo; echo "== 4. a person whose e-mail is a spreadsheet formula, in the CSV export"
ldapmodify -x -H "$TEAMSYNC_LDAP_URL" -D "cn=admin,dc=example,dc=com" -w admin-secret > /dev/null <<LDIF
dn: uid=formula,ou=people,dc=example,dc=com
changetype: add
objectClass: inetOrgPerson
uid: formula
cn: Formula Person
sn: Person
mail: =2+5@example.com

dn: cn=podero-staff,ou=groups,dc=example,dc=com
changetype: modify
add: member
member: uid=formula,ou=people,dc=example,dc=com
LDIF
quiet sync
echo "\$ podero-team-sync audit export --format csv | grep 2+5"
"$B" audit export --format csv --config "$W/config.yaml" | grep -F "2+5@example.com" | head -2
"$B" audit export --format csv --config "$W/config.yaml" > "$W/audit.csv"
echo "\$ Scripts/verify-audit-export.py --public-key KEY.pub audit.csv"
python3 Scripts/verify-audit-export.py --public-key "$W/key.pub" "$W/audit.csv"; echo "(exit $?)"
