#!/usr/bin/env python3
"""Writes the Active Directory test organisation, loaded straight into a Samba DC's sam.ldb with
ldbadd (Scripts/samba-fixture.sh). Deterministic for the same arguments; objectGUIDs are given
by Samba when the entries are added.

  gen-ad-ldif.py --people 1200 > ad.ldif

Layout under --base (default DC=corp,DC=example,DC=com):
  OU=Service Accounts  CN=svc-podero-sync  (password Sync-Secret-1!)    the bind account
                       CN=svc-podero-watch (same password; samba-fixture.sh grants it
                                           "Replicating Directory Changes": DirSync sees deletions)
                       CN=svc-wrong-password (same password)             for bind error 52e
                       CN=svc-disabled     (same password, disabled)     bind error 533
                       CN=svc-must-change  (same password, pwdLastSet 0) bind error 773
                       CN=svc-locked       (same password; samba-fixture.sh locks it out) 775
  OU=Staff             CN=Alice Admin, CN=Bob Oncall, CN=Carol Disabled (userAccountControl 514),
                       CN=Dan Lead, CN=Erin Leaver (for the end-to-end test) and
                       CN=Person 00001 ... (the bulk, all in CN=All Staff)
  OU=Groups            CN=Podero Admins  -> Alice, CN=Admin Leads
                       CN=Admin Leads    -> Dan                              (one level)
                       CN=Podero Staff   -> Carol, Erin, CN=Team Ops, CN=All Staff
                       CN=Team Ops       -> CN=Ops Oncall
                       CN=Ops Oncall     -> Bob                              (two levels)
                       CN=All Staff      -> every bulk person
  CN=Users and CN=Builtin keep what the provision made (not under the search bases).
"""
import argparse
import base64

PASSWORD = "Sync-Secret-1!"
NORMAL = 512  # NORMAL_ACCOUNT
DISABLED = NORMAL | 2  # ACCOUNTDISABLE
NO_EXPIRY = NORMAL | 0x10000  # DONT_EXPIRE_PASSWORD


def unicode_pwd(password):
    """AD's password attribute: the quoted password in UTF-16LE, base64 in LDIF."""
    return base64.b64encode(f'"{password}"'.encode("utf-16-le")).decode()


def entry(dn, attrs):
    lines = [f"dn: {dn}"]
    for attr, value in attrs:
        lines.append(f"{attr}:: {value[1]}" if isinstance(value, tuple) else f"{attr}: {value}")
    return "\n".join(lines) + "\n\n"


def ou(name, base):
    return entry(f"OU={name},{base}", [("objectClass", "organizationalUnit"), ("ou", name)])


def user(cn, sam, base, ou_name, uac=NORMAL, mail=True, given=None, sn=None, password=None, extra=()):
    attrs = [("objectClass", "user"), ("sAMAccountName", sam), ("userAccountControl", str(uac))]
    if given:
        attrs.append(("givenName", given))
    if sn:
        attrs.append(("sn", sn))
    if mail:
        attrs.append(("mail", f"{sam}@corp.example.com"))
    if password:
        attrs.append(("unicodePwd", ("b64", unicode_pwd(password))))
    attrs.extend(extra)
    return entry(f"CN={cn},OU={ou_name},{base}", attrs)


def group(cn, base, members):
    attrs = [("objectClass", "group"), ("sAMAccountName", cn.replace(" ", "-").lower())]
    attrs += [("member", m) for m in members]
    return entry(f"CN={cn},OU=Groups,{base}", attrs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1200, help="bulk people in CN=All Staff")
    parser.add_argument("--base", default="DC=corp,DC=example,DC=com")
    args = parser.parse_args()
    base = args.base
    out = []
    for name in ("Service Accounts", "Staff", "Groups"):
        out.append(ou(name, base))
    svc = "Service Accounts"
    out.append(user("svc-podero-sync", "svc-podero-sync", base, svc, uac=NO_EXPIRY, mail=False, password=PASSWORD))
    out.append(user("svc-podero-watch", "svc-podero-watch", base, svc, uac=NO_EXPIRY, mail=False, password=PASSWORD))
    out.append(user("svc-wrong-password", "svc-wrong-password", base, svc, uac=NO_EXPIRY, mail=False, password=PASSWORD))
    out.append(user("svc-locked", "svc-locked", base, svc, uac=NO_EXPIRY, mail=False, password=PASSWORD))
    out.append(user("svc-disabled", "svc-disabled", base, svc, uac=NO_EXPIRY | 2, mail=False, password=PASSWORD))
    out.append(user("svc-must-change", "svc-must-change", base, svc, uac=NORMAL, mail=False, password=PASSWORD,
                    extra=[("pwdLastSet", "0")]))
    named = {
        "alice": ("Alice Admin", "Alice", "Admin", NORMAL),
        "bob": ("Bob Oncall", "Bob", "Oncall", NORMAL),
        "carol": ("Carol Disabled", "Carol", "Disabled", DISABLED),
        "dan": ("Dan Lead", "Dan", "Lead", NORMAL),
        "erin": ("Erin Leaver", "Erin", "Leaver", NORMAL),
    }
    dn = {}
    for sam, (cn, given, sn, uac) in named.items():
        out.append(user(cn, sam, base, "Staff", uac=uac, given=given, sn=sn))
        dn[sam] = f"CN={cn},OU=Staff,{base}"
    bulk = []
    for n in range(1, args.people + 1):
        cn = f"Person {n:05d}"
        out.append(user(cn, f"person{n:05d}", base, "Staff", given="Person", sn=f"{n:05d}"))
        bulk.append(f"CN={cn},OU=Staff,{base}")

    def g(cn):
        return f"CN={cn},OU=Groups,{base}"

    # Innermost groups first: a member must exist when it is added.
    out.append(group("Ops Oncall", base, [dn["bob"]]))
    out.append(group("Team Ops", base, [g("Ops Oncall")]))
    out.append(group("Admin Leads", base, [dn["dan"]]))
    out.append(group("All Staff", base, bulk))
    out.append(group("Podero Admins", base, [dn["alice"], g("Admin Leads")]))
    out.append(group("Podero Staff", base, [dn["carol"], dn["erin"], g("Team Ops"), g("All Staff")]))
    print("".join(out), end="")


if __name__ == "__main__":
    main()
