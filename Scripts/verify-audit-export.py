#!/usr/bin/env python3
"""Checks the hash chain of a podero-team-sync audit export without podero-team-sync.

  verify-audit-export.py export.jsonl       # JSON Lines
  verify-audit-export.py export.csv         # CSV (absent values are empty fields)

hash = hex(SHA-256(prev_hash + "\\n" + canonical)), prev_hash of the first exported record is
64 zeros when the export starts at seq 1 (else pass --previous HASH), canonical = the other
eleven fields as a JSON object, keys sorted, no whitespace, absent values as null. In CSV, a
cell beginning with ' has one ' removed first: the export adds it to every value that begins with
=, +, -, @, tab, carriage return or ' (OWASP's rule against formula injection).
Checkpoints (records with action "checkpoint", whose reason is the checkpoint's JSON) must
match the export's record at their seq; with --public-key KEY.pub (PEM, as `audit keygen` writes
it) each one's Ed25519 signature of {"head_hash","journal_id","seq","time"} (keys sorted, no
whitespace) is checked with the openssl command line.
Exits 0 when intact, 1 naming the first bad seq.
"""
import argparse
import base64
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile

FIELDS = ["seq", "time", "run_id", "action", "outcome", "external_user_id", "podero_user_id", "email",
          "role_before", "role_after", "reason", "hash"]


def cell_value(cell):
    """A CSV cell without the one leading ' that the export puts in front of a value beginning
    with =, +, -, @, tab, carriage return or ' (so a spreadsheet never runs it as a formula)."""
    return cell[1:] if cell.startswith("'") else cell


def records(path):
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                yield {k: (int(v) if k == "seq" else (cell_value(v) if v != "" else None)) for k, v in row.items()}
    else:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def signed_by(public_key, checkpoint):
    """True when openssl says the checkpoint's signature is public_key's."""
    signature = checkpoint.get("signature")
    if not isinstance(signature, str):
        return False
    message = json.dumps({k: checkpoint[k] for k in ("head_hash", "journal_id", "seq", "time")},
                         sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    with tempfile.TemporaryDirectory() as directory:
        message_path, signature_path = os.path.join(directory, "message"), os.path.join(directory, "signature")
        with open(message_path, "wb") as handle:
            handle.write(message)
        with open(signature_path, "wb") as handle:
            handle.write(base64.b64decode(signature, validate=True))
        result = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", public_key, "-rawin",
                                 "-in", message_path, "-sigfile", signature_path], capture_output=True)
        return result.returncode == 0


def check_checkpoint(record, hashes, public_key):
    """None when the checkpoint record holds, else what is wrong."""
    try:
        checkpoint = json.loads(record["reason"] or "")
        seq = checkpoint["seq"]
        assert isinstance(seq, int) and all(isinstance(checkpoint[k], str) for k in ("head_hash", "journal_id", "time"))
    except (ValueError, KeyError, TypeError, AssertionError):
        return "its reason is not a checkpoint"
    if seq >= record["seq"]:
        return f"it claims seq {seq}, not before it"
    if seq in hashes and hashes[seq] != checkpoint["head_hash"]:
        return f"the export's record {seq} is not the one it saw"
    if public_key and not signed_by(public_key, checkpoint):
        return "its signature is not the key's (forged, unsigned, or another key)"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("export")
    parser.add_argument("--previous", default="0" * 64)
    parser.add_argument("--public-key", help="PEM public key that must have signed every checkpoint")
    args = parser.parse_args()
    previous, count, hashes, checkpoints, latest = args.previous, 0, {}, 0, None
    for record in records(args.export):
        if list(record.keys()) != FIELDS:
            print(f"seq {record.get('seq')}: fields {list(record.keys())} are not {FIELDS}")
            return 1
        body = {k: v for k, v in record.items() if k != "hash"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256((previous + "\n" + canonical).encode("utf-8")).hexdigest()
        if digest != record["hash"]:
            print(f"seq {record['seq']}: hash mismatch")
            return 1
        previous, count = record["hash"], count + 1
        hashes[record["seq"]] = record["hash"]
        if record["action"] == "checkpoint":
            problem = check_checkpoint(record, hashes, args.public_key)
            if problem:
                print(f"seq {record['seq']}: checkpoint: {problem}")
                return 1
            checkpoints, latest = checkpoints + 1, json.loads(record["reason"])["seq"]
    print(f"intact: {count} records")
    if checkpoints:
        signed = "signed by the key" if args.public_key else "signatures not checked (no --public-key)"
        print(f"checkpoints: {checkpoints} hold, the latest at seq {latest}, {signed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
