#!/usr/bin/env python3
"""Writes an LDIF organisation for podero-team-sync's tests, demo and benchmarks.

Deterministic: the same arguments always give the same file (entryUUIDs are UUIDv5 of the uid).

  gen-ldif.py --people 50 --tricky > org.ldif       # the test fixture
  gen-ldif.py --people 100000 > big.ldif            # the benchmark organisation

Layout under --suffix (default dc=example,dc=com):
  ou=services   cn=podero-sync (password: sync-secret), cn=limited (server size limit 20),
                cn=restricted (slapd's ACLs hide employeeType, and user00003's entryUUID, from it)
  ou=people     uid=user00001 ... (inetOrgPerson, employeeNumber E00001, mail userNNNNN@example.com)
  ou=groups     cn=dept-00 .. cn=dept-09 (people by number modulo 10)
                cn=podero-admins   -> user00001, cn=ops-leads
                cn=ops-leads       -> user00002, cn=ops-oncall
                cn=ops-oncall      -> user00003                      (three levels of nesting)
                cn=podero-staff    -> cn=dept-00, cn=cycle-a, uid=ghost (dangling)
                cn=cycle-a <-> cn=cycle-b, with user00004 and user00005  (a cycle)
                cn=podero-posix    posixGroup, memberUid user00006 user00007 ghost
                cn=podero-unique   groupOfUniqueNames, user00008 with an optional UID
With --tricky: non-ASCII names, upper-case e-mail, a shared e-mail, missing and malformed
e-mail, missing and shared employeeNumber, a DN needing escaping, a disabled person.
"""
import argparse
import base64
import sys
import uuid

NAMESPACE = uuid.UUID("6f1c2d8e-3b4a-4c5d-9e8f-0a1b2c3d4e5f")


def value(attr, text):
    """An LDIF attribute line, base64-encoded when the value is not plain ASCII."""
    raw = text.encode("utf-8")
    safe = all(0x20 <= b < 0x7F for b in raw) and not text.startswith((" ", ":", "<")) and not text.endswith(" ")
    if safe:
        return f"{attr}: {text}"
    return f"{attr}:: {base64.b64encode(raw).decode()}"


def entry(dn, attrs):
    lines = [value("dn", dn)]
    for attr, val in attrs:
        lines.append(value(attr, val))
    return "\n".join(lines) + "\n\n"


def person(suffix, uid, given, sn, mail=None, employee=None, extra=(), rdn=None):
    rdn = rdn or f"uid={uid}"
    attrs = [("objectClass", "inetOrgPerson"), ("uid", uid), ("cn", f"{given or ''} {sn}".strip()), ("sn", sn)]
    if given:
        attrs.append(("givenName", given))
    if mail:
        attrs.append(("mail", mail))
    if employee:
        attrs.append(("employeeNumber", employee))
    attrs.append(("entryUUID", str(uuid.uuid5(NAMESPACE, uid))))
    attrs.extend(extra)
    return entry(f"{rdn},ou=people,{suffix}", attrs)


def group(suffix, cn, members):
    attrs = [("objectClass", "groupOfNames"), ("cn", cn)]
    attrs += [("member", m) for m in members] or [("member", "")]
    return entry(f"cn={cn},ou=groups,{suffix}", attrs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--suffix", default="dc=example,dc=com")
    parser.add_argument("--tricky", action="store_true")
    parser.add_argument("--all-staff", action="store_true",
                        help="make every generated person a direct member of cn=podero-staff (benchmarks)")
    parser.add_argument("--sync-password-hash", default="sync-secret",
                        help="userPassword of the service accounts (a {SSHA} hash or clear text)")
    args = parser.parse_args()
    s = args.suffix
    out = sys.stdout
    dc = s.split(",")[0].split("=")[1]
    out.write(entry(s, [("objectClass", "dcObject"), ("objectClass", "organization"), ("dc", dc), ("o", "Example Energy")]))
    for ou in ("services", "people", "groups"):
        out.write(entry(f"ou={ou},{s}", [("objectClass", "organizationalUnit"), ("ou", ou)]))
    for cn in ("podero-sync", "limited", "restricted"):
        out.write(entry(f"cn={cn},ou=services,{s}", [("objectClass", "organizationalRole"), ("objectClass", "simpleSecurityObject"),
                                                    ("cn", cn), ("userPassword", args.sync_password_hash)]))
    dn = lambda n: f"uid=user{n:05d},ou=people,{s}"
    for n in range(1, args.people + 1):
        out.write(person(s, f"user{n:05d}", f"Given{n}", f"Family{n}", f"user{n:05d}@example.com", f"E{n:05d}"))
    for d in range(10):
        out.write(group(s, f"dept-{d:02d}", [dn(n) for n in range(1, args.people + 1) if n % 10 == d]))
    g = lambda cn: f"cn={cn},ou=groups,{s}"
    admins = [dn(1), g("ops-leads")]
    staff = [g("dept-00"), g("cycle-a"), f"uid=ghost,ou=people,{s}"]
    if args.all_staff:
        staff += [dn(n) for n in range(1, args.people + 1)]
    if args.tricky:
        # The escaped DN, referenced in another case and spacing, with a hex escape.
        admins.append(f"UID=Van der Berg\\2C Jan , OU=People, {s.upper()}")
        admins.append(f"uid=leaver,ou=people,{s}")
        staff.append(f"uid=JOSÉ,ou=people,{s}")
        staff.append(f"uid=zoe,ou=people,{s}")
    out.write(group(s, "podero-admins", admins))
    out.write(group(s, "ops-leads", [dn(2), g("ops-oncall")]))
    out.write(group(s, "ops-oncall", [dn(3)]))
    out.write(group(s, "podero-staff", staff))
    out.write(group(s, "cycle-a", [g("cycle-b"), dn(4)]))
    out.write(group(s, "cycle-b", [g("cycle-a"), dn(5)]))
    out.write(entry(g("podero-posix"), [("objectClass", "posixGroup"), ("cn", "podero-posix"), ("gidNumber", "5000"),
                                       ("memberUid", "user00006"), ("memberUid", "USER00007"), ("memberUid", "ghost")]))
    out.write(entry(g("podero-unique"), [("objectClass", "groupOfUniqueNames"), ("cn", "podero-unique"),
                                        ("uniqueMember", dn(8) + "#'0101'B"), ("uniqueMember", dn(9))]))
    if args.tricky:
        out.write(person(s, "zoe", "Zoë", "Müller-Lüdenscheidt", "Zoe.Mueller@Example.COM", "T-ZOE"))
        out.write(person(s, "José", "José", "Álvarez", "jose.alvarez@example.com", "T-JOSE", rdn="uid=José"))
        out.write(person(s, "nomail", "No", "Mail", None, "T-NOMAIL"))
        out.write(person(s, "badmail", "Bad", "Mail", "not-an-address", "T-BADMAIL"))
        out.write(person(s, "dup1", "Dup", "One", "shared@example.com", "T-DUP1"))
        out.write(person(s, "dup2", "Dup", "Two", "SHARED@example.com", "T-DUP2"))
        out.write(person(s, "noemp", None, "Noemployee", "noemp@example.com", None))
        out.write(person(s, "empdup1", "Emp", "DupOne", "empdup1@example.com", "T-EMPDUP"))
        out.write(person(s, "empdup2", "Emp", "DupTwo", "empdup2@example.com", "T-EMPDUP"))
        out.write(person(s, "van der Berg, Jan", "Jan", "van der Berg", "jan.vdberg@example.com", "T-VDB",
                         rdn="uid=van der Berg\\, Jan"))
        out.write(person(s, "leaver", "Lea", "Ver", "leaver@example.com", "T-LEAVER", extra=[("employeeType", "disabled")]))


if __name__ == "__main__":
    main()
