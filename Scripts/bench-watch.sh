#!/usr/bin/env bash
# Watch benchmark (issue 11), release builds, everything on 127.0.0.1: for each size, slapd with
# N people (all in podero-staff) already in sync, `run` watching with syncrepl, then 200 changes
# at 5 changes/s — joins (a new person added to podero-staff), promotions (into podero-admins)
# and departures (an entry deleted) in turn, limits raised so none is refused. Per change: the
# time from `ldapmodify` returning to the matching request reaching podero-sandbox (POST /users,
# PUT /users/{id}, DELETE /users/{id}). During the window: full reconciles (directory reads),
# Podero list requests, bytes slapd wrote (its sockets: the fixture maps its database), and the daemon's CPU seconds per change.
#
#   [ACCESSLOG=0] Scripts/bench-watch.sh [SIZES="1000 100000 samba"] [CHANGES=200] [RATE=5]
# On slapd the watch reads changed groups' added and removed members from the fixture's
# accesslog (directory.accesslog_base: cn=accesslog); ACCESSLOG=0 reads them whole.
# `samba` runs the same on the Samba AD DC fixture (1,200 people, DirSync polled every 2 s,
# bound as svc-podero-watch; it needs ports 389/636 free). The last line is:
#   watch N people: p50 A s, p95 B s, p99 C s, max D s; full reads E, list requests F
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/lib.sh
sizes=${1:-"1000 100000 samba"}
changes=${2:-200}
rate=${3:-5}
# ACCESSLOG=0 reads every changed group whole (no directory.accesslog_base), for comparison.
accesslog_line="  accesslog_base: cn=accesslog"
[ "${ACCESSLOG:-1}" = 0 ] && accesslog_line=""
ensure_packages "${PODERO_PACKAGES[@]}"
ensure_swift
swift build -c release --product podero-team-sync >&2
swift build -c release --product podero-sandbox >&2
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d "${TMPDIR:-/tmp}/podero-bench-watch.XXXXXX")
sandbox_pid=""; daemon_pid=""
stop_all() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
    [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null || true
    daemon_pid=""; sandbox_pid=""
    Scripts/slapd-fixture.sh stop "$work/slapd" || true
    Scripts/samba-fixture.sh stop "$work/samba" 2>/dev/null || true
}
trap 'stop_all; rm -rf "$work"' EXIT INT TERM
export LDAPNOINIT=1
org=3fa85f64-5717-4562-b3fc-2c963f66afa6
printf 'sync-secret\n' > "$work/ldap-password"; printf 'bench-secret\n' > "$work/client-secret"
chmod 600 "$work/ldap-password" "$work/client-secret"
lines=()
for n in $sizes; do
    stop_all
    rm -rf "$work/state"
    if [ "$n" = samba ]; then
        echo "watch benchmark: Samba AD DC; setting up (the fixture, a first sync; not timed)" >&2
        ensure_packages "${PODERO_AD_PACKAGES[@]}"
        env -u LDAPNOINIT Scripts/samba-fixture.sh start "$work/samba" 2>/dev/null
        set -a; . "$work/samba/env"; set +a
        printf 'Sync-Secret-1!\n' > "$work/ldap-password"
        directory="  url: $TEAMSYNC_AD_LDAPS_URL
  tls_ca_file: $TEAMSYNC_AD_CA
  bind_dn: CN=svc-podero-watch,OU=Service Accounts,$TEAMSYNC_AD_BASE
  bind_password_file: $work/ldap-password
  timeout: 60s
  page_size: 1000
  users:
    base_dn: OU=Staff,$TEAMSYNC_AD_BASE
    filter: (&(objectCategory=person)(objectClass=user))
    external_id_attribute: objectGUID
    disabled_filter: (userAccountControl:1.2.840.113556.1.4.803:=2)
  groups:
    base_dn: OU=Groups,$TEAMSYNC_AD_BASE
    filter: (objectClass=group)
roles:
  - group: CN=Podero Admins,OU=Groups,$TEAMSYNC_AD_BASE
    role: admin
  - group: CN=Podero Staff,OU=Groups,$TEAMSYNC_AD_BASE
    role: staff"
        people=$TEAMSYNC_AD_PEOPLE
        driver=(samba "$TEAMSYNC_AD_LDAPS_URL" "$TEAMSYNC_AD_ADMIN_DN" "$TEAMSYNC_AD_ADMIN_PASSWORD" "$TEAMSYNC_AD_BASE" "$TEAMSYNC_AD_CA" "$(cat "$work/samba/samba.pid")")
    else
        echo "watch benchmark: $n people; setting up (slapd, a first sync; not timed)" >&2
        python3 Scripts/gen-ldif.py --people "$n" --all-staff > "$work/org.ldif"
        Scripts/slapd-fixture.sh start "$work/slapd" "$work/org.ldif" 2>/dev/null
        set -a; . "$work/slapd/env"; set +a
        printf 'sync-secret\n' > "$work/ldap-password"
        directory="  url: $TEAMSYNC_LDAP_URL
  bind_dn: cn=podero-sync,ou=services,dc=example,dc=com
  bind_password_file: $work/ldap-password
  timeout: 60s
$accesslog_line
  users:
    base_dn: ou=people,dc=example,dc=com
  groups:
    base_dn: ou=groups,dc=example,dc=com
roles:
  - group: cn=podero-admins,ou=groups,dc=example,dc=com
    role: admin
  - group: cn=podero-staff,ou=groups,dc=example,dc=com
    role: staff"
        people=$n
        driver=(slapd "$TEAMSYNC_LDAP_URL" "cn=admin,dc=example,dc=com" admin-secret "dc=example,dc=com" "" "$(cat "$work/slapd/slapd.pid")")
    fi
    "$bin/podero-sandbox" --port 0 --org-id "$org" --client-id bench --client-secret-file "$work/client-secret" > "$work/sandbox.out" 2>&1 &
    sandbox_pid=$!
    for _ in $(seq 1 100); do grep -q "listening on" "$work/sandbox.out" && break; sleep 0.05; done
    sandbox=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/sandbox.out")
    metrics_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    cat > "$work/config.yaml" <<YAML
version: 1
directory:
$directory
podero:
  base_url: $sandbox
  org_id: $org
  client_id: bench
  client_secret_file: $work/client-secret
  timeout: 60s
  max_concurrency: 16
sync:
  interval: 1h
  max_deletions: 100000
  max_deletion_percent: 100
  max_deletions_per_day: 100000
journal:
  path: $work/state/journal.sqlite
metrics:
  listen: 127.0.0.1:$metrics_port
YAML
    "$bin/podero-team-sync" sync --config "$work/config.yaml" --log-level warning > /dev/null
    "$bin/podero-team-sync" run --config "$work/config.yaml" --log-level notice 2> "$work/run.err" &
    daemon_pid=$!
    for _ in $(seq 1 1200); do
        grep -q "directory watch connected" "$work/run.err" && grep -q "cycle finished" "$work/run.err" && break
        kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/run.err" >&2; exit 1; }
        sleep 0.1
    done
    grep -q "directory watch connected" "$work/run.err" || { echo "the watch did not start: $(cat "$work/run.err")" >&2; exit 1; }
    line=$(python3 - "$people" "$changes" "$rate" "$sandbox" "$daemon_pid" "$work/state/journal.sqlite" "${driver[@]}" <<'PY'
import json, os, sqlite3, subprocess, sys, time, urllib.request
n, changes, rate, sandbox, daemon, journal, server, ldap, admin, password, suffix, ca, slapd = sys.argv[1:]
n, changes, rate = int(n), int(changes), float(rate)
ad = server == "samba"
base = f"OU=Staff,{suffix}" if ad else f"ou=people,{suffix}"
groups = f"OU=Groups,{suffix}" if ad else f"ou=groups,{suffix}"
staff, admins = (f"CN=Podero Staff,{groups}", f"CN=Podero Admins,{groups}") if ad else (f"cn=podero-staff,{groups}", f"cn=podero-admins,{groups}")
environment = dict(os.environ)
if ad:
    environment.pop("LDAPNOINIT", None)
    environment["LDAPTLS_CACERT"] = ca
def get(path):
    with urllib.request.urlopen(sandbox + path) as response:
        return json.loads(response.read())
def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
def written(pid):
    # Samba answers from pre-forked workers: its root process's count says nothing.
    if ad: return 0
    return int(next(l for l in open(f"/proc/{pid}/io") if l.startswith("wchar")).split()[1])
ids = {u["email"].lower(): u["id"] for u in get("/_sandbox/state")}
email = (lambda k: f"person{k:05d}@corp.example.com") if ad else (lambda k: f"user{k:05d}@example.com")
person = (lambda k: f"CN=Person {k:05d},{base}") if ad else (lambda k: f"uid=user{k:05d},{base}")
# Promotions take people from the front, departures from the back: nobody is changed twice.
promote = iter(range(10, n + 1))  # user00001-3 are admins already (directly or nested)
depart = iter(range(n, 1, -1))
plan = []
for i in range(changes):
    kind = ("join", "promotion", "departure")[i % 3]
    if kind == "join":
        uid = f"watch{i:05d}"
        if ad:
            dn = f"CN=Watch {i:05d},{base}"
            entry = (f"dn: {dn}\nchangetype: add\nobjectClass: user\nsAMAccountName: {uid}\ngivenName: Watch\nsn: Joiner\n"
                     f"mail: {uid}@corp.example.com\nuserAccountControl: 544\n")
        else:
            dn = f"uid={uid},{base}"
            entry = f"dn: {dn}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: Watch {i}\nsn: Watch\nmail: {uid}@example.com\n"
        plan.append((kind, None, entry + f"\ndn: {staff}\nchangetype: modify\nadd: member\nmember: {dn}\n"))
    elif kind == "promotion":
        k = next(promote)
        plan.append((kind, ids[email(k)], f"dn: {admins}\nchangetype: modify\nadd: member\nmember: {person(k)}\n"))
    else:
        k = next(depart)
        plan.append((kind, ids[email(k)], f"dn: {person(k)}\nchangetype: delete\n"))
urllib.request.urlopen(urllib.request.Request(sandbox + "/_sandbox/stats/reset", method="POST")).read()
runs_before = sqlite3.connect(journal).execute("SELECT count(*) FROM run WHERE command = 'run'").fetchone()[0]
cpu0, bytes0, started = cpu(daemon), written(slapd), time.time()
done = []
for i, (kind, target, ldif) in enumerate(plan):
    due = started + i / rate
    time.sleep(max(0, due - time.time()))
    subprocess.run(["ldapmodify", "-x", "-H", ldap, "-D", admin, "-w", password],
                   input=ldif.encode(), stdout=subprocess.DEVNULL, check=True, env=environment)
    done.append(time.time())
# Wait until every change has its request (at most 60 s).
def matched():
    log = get("/_sandbox/requests")
    posts = [e for e in log if e["method"] == "POST" and e["path"].rstrip("/").endswith("/users")]
    by_path = {}
    for e in log:
        by_path.setdefault((e["method"], e["path"].split("?")[0].rsplit("/", 1)[-1]), e)
    result, joins = [], 0
    for (kind, target, _), t in zip(plan, done):
        if kind == "join":
            e = posts[joins] if joins < len(posts) else None
            joins += 1
        else:
            e = by_path.get(("PUT" if kind == "promotion" else "DELETE", target))
        result.append(None if e is None else e["at"] - t)
    return result, log
deadline = time.time() + 60
while True:
    latencies, log = matched()
    if all(l is not None for l in latencies) or time.time() > deadline:
        break
    time.sleep(0.5)
window_end = time.time()
cpu1, bytes1 = cpu(daemon), written(slapd)
runs_after = sqlite3.connect(journal).execute("SELECT count(*) FROM run WHERE command = 'run'").fetchone()[0]
lists = sum(1 for e in log if e["method"] == "GET" and e["path"].split("?")[0].rstrip("/").endswith("/users"))
missing = sum(1 for l in latencies if l is None)
values = sorted(l for l in latencies if l is not None)
def pct(p):
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))] if values else float("nan")
by_kind = {}
for (kind, _, _), l in zip(plan, latencies):
    if l is not None: by_kind.setdefault(kind, []).append(l)
detail = ", ".join(f"{k} p50 {sorted(v)[len(v) // 2]:.3f} s max {max(v):.3f} s" for k, v in sorted(by_kind.items()))
where = "Samba AD DC (DirSync), " if ad else ""
print(f"  {where}{n} people, {changes} changes at {rate:g}/s over {done[-1] - started:.1f} s: {detail}; {missing} without their request", file=sys.stderr)
sent = "bytes not measured (Samba serves from pre-forked workers)" if ad else f"{(bytes1 - bytes0) / changes / 1024:.1f} KiB per change written by slapd"
print(f"  cost: {(cpu1 - cpu0) / changes * 1000:.1f} ms CPU per change (daemon), {sent}", file=sys.stderr)
print(f"watch {n} people: p50 {pct(50):.3f} s, p95 {pct(95):.3f} s, p99 {pct(99):.3f} s, max {values[-1] if values else float('nan'):.3f} s; "
      f"full reads {runs_after - runs_before}, list requests {lists}")
PY
)
    reads=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | grep '^podero_team_sync_watch_group_reads_total' | sed 's/podero_team_sync_watch_group_reads_total//' | tr '\n' ' ' || true)
    echo "  changed groups read: ${reads:-none}(whole: all members; accesslog: added and removed members only)" >&2
    kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=""
    lines+=("$line")
done
for line in "${lines[@]}"; do echo "$line"; done
