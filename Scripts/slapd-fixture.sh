#!/usr/bin/env bash
# A throwaway OpenLDAP slapd on 127.0.0.1 for tests, the demo and benchmarks.
#
#   Scripts/slapd-fixture.sh start DIR [LDIF]   # generate certs + config, load LDIF, start, wait
#   Scripts/slapd-fixture.sh stop DIR           # stop it by PID
#   Scripts/slapd-fixture.sh restart DIR        # stop and start it again: same data, same ports
#   Scripts/slapd-fixture.sh env DIR            # print the fixture's variables (sourceable)
#
# DIR is created and owned by the fixture. The server listens on two free high ports (ldap://
# with StartTLS, and ldaps://) and on an ldapi:// socket in DIR. Overlays: memberof, refint,
# syncprov, accesslog (into cn=accesslog, readable by podero-sync); mdb databases; suffix
# dc=example,dc=com. Certificates come from a throwaway CA
# (DIR/ca.pem); DIR/wrong-ca.pem is another CA that did not sign the server certificate.
# Accounts: cn=admin,dc=example,dc=com / admin-secret (rootdn),
#           cn=podero-sync,ou=services,dc=example,dc=com / sync-secret (no size limit),
#           cn=limited,ou=services,dc=example,dc=com / sync-secret (size limit 20),
#           cn=restricted,ou=services,dc=example,dc=com / sync-secret: the ACLs hide employeeType
#           and user00003's entryUUID from it, as a strict server answers "success" and hides.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|restart|env DIR [LDIF]" >&2; exit 64; }
suffix="dc=example,dc=com"
slapd=$(command -v slapd || echo /usr/sbin/slapd)
slapadd=$(command -v slapadd || echo /usr/sbin/slapadd)

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

write_config() {
    local d=$1
    cat > "$d/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload refint
moduleload syncprov
moduleload accesslog
pidfile $d/slapd.pid
argsfile $d/slapd.args
TLSCACertificateFile $d/ca.pem
TLSCertificateFile $d/server.pem
TLSCertificateKeyFile $d/server.key
sizelimit 500
# The change log (accesslog overlay below): the watch reads a changed group's added and
# removed members here (directory.accesslog_base). Kept a day, purged hourly.
database mdb
maxsize 1073741824
suffix "cn=accesslog"
rootdn "cn=accesslog"
directory $d/accesslog
envflags writemap
index objectClass,entryCSN,reqDN,reqResult eq
limits dn.exact="cn=podero-sync,ou=services,$suffix" size=unlimited time=unlimited
access to * by dn.exact="cn=podero-sync,ou=services,$suffix" read by dn.exact="cn=admin,$suffix" read by * none

database mdb
maxsize 4294967296
suffix "$suffix"
rootdn "cn=admin,$suffix"
rootpw admin-secret
directory $d/db
# Pages are written through the map, not write(2): slapd's wchar then counts what it sends (bench-watch.sh).
envflags writemap
index objectClass eq
index uid,mail,entryUUID,employeeNumber,employeeType eq
index member,uniqueMember,memberUid eq
limits dn.exact="cn=podero-sync,ou=services,$suffix" size=unlimited time=unlimited
limits dn.exact="cn=limited,ou=services,$suffix" size=20 size.pr=20 size.prtotal=20
access to attrs=userPassword by anonymous auth by * none
access to attrs=employeeType by dn.exact="cn=restricted,ou=services,$suffix" none by users read by * none
access to dn.exact="uid=user00003,ou=people,$suffix" attrs=entryUUID by dn.exact="cn=restricted,ou=services,$suffix" none by users read by * none
access to * by users read by * none
overlay memberof
overlay refint
refint_attributes member uniqueMember
overlay syncprov
overlay accesslog
logdb "cn=accesslog"
logops writes
logsuccess TRUE
logpurge 01+00:00 00+01:00
CONF
}

wait_until_ready() {
    local d=$1 port=$2
    for _ in $(seq 1 100); do
        if LDAPNOINIT=1 ldapsearch -x -H "ldap://127.0.0.1:$port" -D "cn=admin,$suffix" -w admin-secret \
            -b "$suffix" -s base -o nettimeout=1 dn >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    echo "slapd did not answer within 10 s; see $d/slapd.log" >&2
    return 1
}

case "$command" in
start)
    ldif=${3:-}
    rm -rf "$dir"
    mkdir -p "$dir/db" "$dir/accesslog"
    dir=$(cd "$dir" && pwd)
    make_test_certificates "$dir" "podero-team-sync test CA"
    write_config "$dir"
    if [ -z "$ldif" ]; then
        ldif="$dir/fixture.ldif"
        python3 "$here/gen-ldif.py" --people 50 --tricky > "$ldif"
    fi
    # Offline load: fastest, and the overlays do not run (no memberOf values are needed).
    "$slapadd" -q -f "$dir/slapd.conf" -b "$suffix" -l "$ldif"
    port=$(free_port)
    tls_port=$(free_port)
    while [ "$tls_port" = "$port" ]; do tls_port=$(free_port); done
    socket="$dir/ldapi.sock"
    socket_url="ldapi://$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$socket")"
    "$slapd" -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$tls_port/ $socket_url" \
        -d 0 > "$dir/slapd.log" 2>&1 &
    cat > "$dir/env" <<ENV
TEAMSYNC_LDAP_URL=ldap://127.0.0.1:$port
TEAMSYNC_LDAPS_URL=ldaps://127.0.0.1:$tls_port
TEAMSYNC_LDAPI_URL=$socket_url
TEAMSYNC_LDAP_CA=$dir/ca.pem
TEAMSYNC_LDAP_WRONG_CA=$dir/wrong-ca.pem
TEAMSYNC_LDAP_DIR=$dir
ENV
    wait_until_ready "$dir" "$port"
    echo "slapd ready on ldap://127.0.0.1:$port and ldaps://127.0.0.1:$tls_port (pid $(cat "$dir/slapd.pid"))" >&2
    ;;
stop)
    [ -f "$dir/slapd.pid" ] || exit 0
    pid=$(cat "$dir/slapd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/slapd.pid"
    ;;
restart)
    # The same database, configuration and ports: what a server restart looks like to clients
    # (syncprov's in-memory session log is gone afterwards).
    [ -f "$dir/env" ] || { echo "no slapd fixture in $dir" >&2; exit 1; }
    "$0" stop "$dir"
    . "$dir/env"
    port=${TEAMSYNC_LDAP_URL##*:}
    tls_port=${TEAMSYNC_LDAPS_URL##*:}
    "$slapd" -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$tls_port/ $TEAMSYNC_LDAPI_URL" \
        -d 0 >> "$dir/slapd.log" 2>&1 &
    wait_until_ready "$dir" "$port"
    ;;
env)
    cat "$dir/env"
    ;;
*)
    echo "usage: $0 start|stop|restart|env DIR [LDIF]" >&2
    exit 64
    ;;
esac
