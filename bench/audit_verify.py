"""`audit verify` against a plain scan plus SHA-256 of the same stored bytes.

    .venv/bin/python bench/audit_verify.py [--entries N] [--engine sqlite|postgresql|both]

The baseline reads every entry's stored body and hashes it, nothing else; the
verifier also checks the chain links, the sequence, the participant index and the
head. Target: >= 0.8x the baseline's throughput.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import base_parser, best_of, run_engines, setup_django

TARGET = 0.8


def child(entries: int, rounds: int) -> dict[str, float]:
    setup_django()
    from django.db import connection, transaction

    from healthcamp.audit import chain

    rng = random.Random(3)
    people = [f"{rng.getrandbits(128):032x}" for _ in range(2000)]
    batch = 2000
    for start in range(0, entries, batch):
        with transaction.atomic():
            for i in range(start, min(entries, start + batch)):
                # Mostly single reads, some bulk reads, some set-up actions naming nobody.
                kind = i % 20
                subjects = (
                    rng.sample(people, 50)
                    if kind == 0
                    else []
                    if kind == 1
                    else [rng.choice(people)]
                )
                chain.append(
                    actor="staff:7:bench",
                    role="clinician",
                    action="participant.read",
                    purpose="screening",
                    outcome="allowed",
                    subjects=subjects,
                )

    def baseline() -> int:
        count = 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT body FROM audit_entry ORDER BY seq")
            for (body,) in cursor:
                hashlib.sha256(bytes(body)).digest()
                count += 1
        return count

    def chain_only() -> int:
        result = chain.verify(check_index=False)
        assert result.ok, result.problem
        return result.entries

    def full() -> int:
        result = chain.verify()
        assert result.ok, result.problem
        return result.entries

    base = chained = whole = 0.0
    for _ in range(rounds):
        base = max(base, best_of(1, baseline))
        chained = max(chained, best_of(1, chain_only))
        whole = max(whole, best_of(1, full))
    return {
        "baseline_per_s": base,
        "chain_per_s": chained,
        "full_per_s": whole,
        "chain": chained / base,
        "full": whole / base,
    }


def main() -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--entries", type=int, default=200_000)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.entries, args.rounds)))
        return 0
    print(f"audit verify vs scan + sha256, {args.entries} entries, best of {args.rounds} rounds")
    print("chain = hash chain, links, sequence and heads; full = chain + participant index")
    columns = ("engine", "check", "scan+sha/s", "verify/s", "ratio", "target")
    print("{:<11} {:<6} {:>11} {:>10} {:>7} {:>7}".format(*columns))
    for r in run_engines("audit_verify.py", args):
        for kind in ("chain", "full"):
            ratio = float(r[kind])  # type: ignore[arg-type]
            target = (
                f"{TARGET:>6.2f}x {'ok' if ratio >= TARGET else 'BELOW'}" if kind == "chain" else ""
            )
            print(
                f"{r['engine']:<11} {kind:<6} {float(r['baseline_per_s']):>11.0f}"  # type: ignore[arg-type]
                f" {float(r[f'{kind}_per_s']):>10.0f} {ratio:>6.2f}x {target}"  # type: ignore[arg-type]
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
