#!/usr/bin/env bash
# A throwaway Active Directory domain controller (Samba) on 127.0.0.1 for tests and benchmarks.
#
#   Scripts/samba-fixture.sh start DIR [PEOPLE]   # provision, seed, start, wait (~20 s)
#   Scripts/samba-fixture.sh stop DIR             # stop every samba process it started
#   Scripts/samba-fixture.sh env DIR              # print the fixture's variables (sourceable)
#
# The domain CORP.EXAMPLE.COM (DC=corp,DC=example,DC=com) is provisioned into DIR with LDAP as
# its only service. AD's ports are fixed (389 and 636), so there is one instance per machine and
# it needs root (or CAP_NET_BIND_SERVICE). The organisation comes from gen-ad-ldif.py (PEOPLE bulk
# people, default 1200), written straight into sam.ldb with ldbadd before the start (fast).
# TLS uses a certificate for 127.0.0.1 from a throwaway CA (DIR/ca.pem); DIR/wrong-ca.pem is
# another CA. Plain simple binds are allowed (`ldap server require strong auth = no`) so that
# the "clear-text bind" paths can be tested; real DCs should be reached over LDAPS or StartTLS.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|env DIR [PEOPLE]" >&2; exit 64; }
base="DC=corp,DC=example,DC=com"
admin_password='Adm1n-Secret!'

port_in_use() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
PY
}

wait_until_ready() {
    local d=$1
    for _ in $(seq 1 150); do
        if LDAPNOINIT=1 ldapsearch -x -H ldap://127.0.0.1:389 -b "" -s base -o nettimeout=1 namingContexts \
            >/dev/null 2>&1 && LDAPTLS_CACERT="$d/ca.pem" ldapsearch -x -H ldaps://127.0.0.1:636 \
            -b "" -s base -o nettimeout=1 namingContexts >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$(cat "$d/samba.pid")" 2>/dev/null || { echo "samba exited; see $d/samba.log" >&2; return 1; }
        sleep 0.2
    done
    echo "samba did not answer within 30 s; see $d/samba.log" >&2
    return 1
}

case "$command" in
start)
    people=${3:-1200}
    [ "$(id -u)" -eq 0 ] || { echo "the Samba fixture needs root: AD's ports 389 and 636 are privileged" >&2; exit 1; }
    for port in 389 636; do
        if port_in_use "$port"; then
            echo "port $port on 127.0.0.1 is taken: is another Samba fixture running? ($0 stop DIR)" >&2
            exit 1
        fi
    done
    rm -rf "$dir"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    make_test_certificates "$dir" "podero-team-sync AD test CA"
    samba-tool domain provision --targetdir="$dir/domain" --realm=CORP.EXAMPLE.COM --domain=CORP \
        --server-role=dc --dns-backend=NONE --use-rfc2307 --adminpass="$admin_password" \
        --option="interfaces = lo 127.0.0.1" --option="bind interfaces only = yes" \
        --option="server services = ldap" > "$dir/provision.log" 2>&1 \
        || { echo "samba-tool domain provision failed; see $dir/provision.log" >&2; exit 1; }
    conf="$dir/domain/etc/smb.conf"
    # Options that provision does not keep, and logs kept inside DIR.
    sed -i "s|^\tlog file = .*|\tlog file = $dir/samba.%m.log|" "$conf"
    sed -i "/^\[global\]/a\\
\tldap server require strong auth = no\\
\ttls enabled = yes\\
\ttls keyfile = $dir/server.key\\
\ttls certfile = $dir/server.pem\\
\ttls cafile = $dir/ca.pem" "$conf"
    python3 "$here/gen-ad-ldif.py" --people "$people" --base "$base" > "$dir/organisation.ldif"
    ldbadd -H "$dir/domain/private/sam.ldb" "$dir/organisation.ldif" > "$dir/seed.log" 2>&1 \
        || { echo "seeding sam.ldb failed; see $dir/seed.log" >&2; exit 1; }
    # DirSync without the object-security flag (which hides deletions) needs "Replicating
    # Directory Changes" on the naming context: svc-podero-watch has it, svc-podero-sync has not.
    samba-tool dsacl set -H "$dir/domain/private/sam.ldb" --objectdn="$base" --car=get-changes --action=allow \
        --trusteedn="CN=svc-podero-watch,OU=Service Accounts,$base" >> "$dir/seed.log" 2>&1 \
        || { echo "granting the replication right failed; see $dir/seed.log" >&2; exit 1; }
    # Since CVE-2023-4154 Samba applies read rights to DirSync too: tombstones are visible only
    # with List Contents and Read Property on CN=Deleted Objects (what `dsacls "CN=Deleted
    # Objects,…" /G DOMAIN\svc:LCRP` grants on Windows).
    python3 - "$dir/domain/private/sam.ldb" "$base" >> "$dir/seed.log" 2>&1 <<'PY' || { echo "granting read on Deleted Objects failed; see $dir/seed.log" >&2; exit 1; }
import subprocess, sys
ldb, base = sys.argv[1], sys.argv[2]
sid = next(l.split()[1] for l in subprocess.run(["samba-tool", "user", "show", "svc-podero-watch", "-H", ldb],
    capture_output=True, text=True, check=True).stdout.splitlines() if l.startswith("objectSid:"))
out = subprocess.run(["ldbsearch", "-H", ldb, "--controls=show_deleted:1", "-b", f"CN=Deleted Objects,{base}", "-s", "base",
    "nTSecurityDescriptor"], capture_output=True, text=True, check=True).stdout
unfolded = out.replace("\n ", "")
sd = next(l for l in unfolded.splitlines() if l.startswith("nTSecurityDescriptor:")).split(": ", 1)[1]
dacl, sacl = sd.split("S:", 1) if "S:" in sd else (sd, None)
sd = dacl + f"(A;;RPLC;;;{sid})" + (f"S:{sacl}" if sacl is not None else "")
ldif = f"dn: CN=Deleted Objects,{base}\nchangetype: modify\nreplace: nTSecurityDescriptor\nnTSecurityDescriptor: {sd}\n"
subprocess.run(["ldbmodify", "-H", ldb, "--controls=show_deleted:1"], input=ldif, text=True, check=True)
PY
    # Account lockout after 10 wrong passwords (provision leaves it off), so that a locked
    # account can be tested; the tests' other wrong binds use their own account.
    samba-tool domain passwordsettings set --account-lockout-threshold=10 -H "$dir/domain/private/sam.ldb" \
        >> "$dir/seed.log" 2>&1 || { echo "setting the lockout policy failed; see $dir/seed.log" >&2; exit 1; }
    # Its own process group, so that stop ends samba's worker processes too.
    setsid samba -i -s "$conf" --debuglevel=1 > "$dir/samba.log" 2>&1 < /dev/null &
    echo $! > "$dir/samba.pid"
    cat > "$dir/env" <<ENV
TEAMSYNC_AD_URL=ldap://127.0.0.1:389
TEAMSYNC_AD_LDAPS_URL=ldaps://127.0.0.1:636
TEAMSYNC_AD_CA=$dir/ca.pem
TEAMSYNC_AD_WRONG_CA=$dir/wrong-ca.pem
TEAMSYNC_AD_BASE=$base
TEAMSYNC_AD_PEOPLE=$people
TEAMSYNC_AD_ADMIN_DN=CN=Administrator,CN=Users,$base
TEAMSYNC_AD_ADMIN_PASSWORD=$admin_password
TEAMSYNC_AD_DIR=$dir
ENV
    wait_until_ready "$dir"
    # Lock CN=svc-locked out: ten binds with a wrong password.
    for _ in $(seq 1 10); do
        LDAPNOINIT=1 ldapwhoami -x -H ldap://127.0.0.1:389 -D "CN=svc-locked,OU=Service Accounts,$base" -w wrong >/dev/null 2>&1 || true
    done
    echo "samba AD DC ready on ldap://127.0.0.1:389 and ldaps://127.0.0.1:636 (pid $(cat "$dir/samba.pid"), $people bulk people)" >&2
    ;;
stop)
    [ -f "$dir/samba.pid" ] || exit 0
    pid=$(cat "$dir/samba.pid")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$dir/samba.pid"
    ;;
env)
    cat "$dir/env"
    ;;
*)
    echo "usage: $0 start|stop|env DIR [PEOPLE]" >&2
    exit 64
    ;;
esac
