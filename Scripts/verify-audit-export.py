#!/usr/bin/env python3
"""Checks the hash chain of a podero-team-sync audit export without podero-team-sync.

  verify-audit-export.py export.jsonl       # JSON Lines
  verify-audit-export.py export.csv         # CSV (absent values are empty fields)

hash = hex(SHA-256(prev_hash + "\\n" + canonical)), prev_hash of the first exported record is
64 zeros when the export starts at seq 1 (else pass --previous HASH), canonical = the other
eleven fields as a JSON object, keys sorted, no whitespace, absent values as null.
Exits 0 when intact, 1 naming the first bad seq.
"""
import argparse
import csv
import hashlib
import json
import sys

FIELDS = ["seq", "time", "run_id", "action", "outcome", "external_user_id", "podero_user_id", "email",
          "role_before", "role_after", "reason", "hash"]


def records(path):
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                yield {k: (int(v) if k == "seq" else (v if v != "" else None)) for k, v in row.items()}
    else:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("export")
    parser.add_argument("--previous", default="0" * 64)
    args = parser.parse_args()
    previous, count = args.previous, 0
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
    print(f"intact: {count} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
