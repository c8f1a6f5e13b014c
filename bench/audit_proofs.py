"""Inclusion and consistency proofs, produced and checked, against a primary-key read.

    .venv/bin/python bench/audit_proofs.py [--entries N] [--proofs P] [--engine sqlite|postgresql|both]

The log is filled with synthetic valid rows (see bench/audit_verify.py) in --checkpoints
steps, `tree.issue()` after each step bringing the tiles up to date and signing a
checkpoint. Then, medians of --proofs random cases, in the same run:
- baseline: one primary-key read of an entry (`AuditEntry.objects.get(seq=...)`);
- inclusion: `tree.proof_of(seq=)` (produce), then the checkpoint's signature, the leaf
  hash and `merkle.verify_inclusion` (check);
- consistency: `tree.consistency_of(first=, second=)` between two issued checkpoints
  (produce), then both signatures and `merkle.verify_consistency` (check).
Target (issue 14): each produced and checked in < 10 ms at 10^6 entries.
"""

from __future__ import annotations

import base64
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import base_parser, run_engines, setup_django
from bench.audit_verify import Filler, timed

TARGET_MS = 10.0


def child(args: Any) -> dict[str, Any]:
    setup_django()
    from healthcamp.audit import merkle, note, tree
    from healthcamp.audit.models import AuditEntry

    filler = Filler(checkpoint_every=0)  # checkpoints come from tree.issue(), as in the app
    steps = max(1, args.checkpoints)
    fill_s = issue_s = 0.0
    sizes = []
    for step in range(steps):
        upto = args.entries * (step + 1) // steps
        fill_s += timed(lambda upto=upto: filler.add(upto - filler.seq) or 0)[0]
        spent, _ = timed(lambda: tree.issue().size)
        issue_s += spent
        sizes.append(upto)
    verifier = tree.signer().verifier
    rng = random.Random(7)
    seqs = [rng.randint(1, args.entries) for _ in range(args.proofs)]
    pairs = [tuple(sorted(rng.sample(sizes, 2))) for _ in range(args.proofs)] if steps > 1 else []

    def pk_read(seq: int) -> None:
        AuditEntry.objects.get(seq=seq)

    def inclusion_produce(seq: int) -> dict[str, Any]:
        return tree.proof_of(seq=seq)

    def inclusion_check(proof: dict[str, Any]) -> None:
        checkpoint, _ = note.open_checkpoint(note=proof["checkpoint"], verifier=verifier)
        assert merkle.verify_inclusion(
            leaf_hash=merkle.leaf_hash(base64.b64decode(proof["entry"])),
            index=proof["index"],
            size=proof["tree_size"],
            proof=[base64.b64decode(h) for h in proof["proof"]],
            root=checkpoint.root,
        )

    def consistency_produce(pair: tuple[int, int]) -> dict[str, Any]:
        return tree.consistency_of(first=pair[0], second=pair[1])

    def consistency_check(proof: dict[str, Any]) -> None:
        old, _ = note.open_checkpoint(note=proof["first_checkpoint"], verifier=verifier)
        new, _ = note.open_checkpoint(note=proof["second_checkpoint"], verifier=verifier)
        assert merkle.verify_consistency(
            old_size=old.size,
            new_size=new.size,
            old_root=old.root,
            new_root=new.root,
            proof=[base64.b64decode(h) for h in proof["proof"]],
        )

    def ms(work: Callable[[], Any]) -> tuple[float, Any]:
        started = time.perf_counter()
        out = work()
        return (time.perf_counter() - started) * 1000, out

    times: dict[str, list[float]] = {
        k: []
        for k in (
            "pk_read",
            "inclusion_produce",
            "inclusion_check",
            "inclusion",
            "consistency_produce",
            "consistency_check",
            "consistency",
        )
    }
    for _ in range(args.rounds):  # interleaved, so machine noise hits all alike
        for i, seq in enumerate(seqs):
            times["pk_read"].append(ms(lambda seq=seq: pk_read(seq))[0])
            made, proof = ms(lambda seq=seq: inclusion_produce(seq))
            checked, _ = ms(lambda proof=proof: inclusion_check(proof))
            times["inclusion_produce"].append(made)
            times["inclusion_check"].append(checked)
            times["inclusion"].append(made + checked)
            if pairs:
                made, proof = ms(lambda pair=pairs[i]: consistency_produce(pair))
                checked, _ = ms(lambda proof=proof: consistency_check(proof))
                times["consistency_produce"].append(made)
                times["consistency_check"].append(checked)
                times["consistency"].append(made + checked)
    return {
        "fill_s": fill_s,
        "issue_s": issue_s,
        "checkpoints": sizes,
        "median_ms": {k: statistics.median(v) for k, v in times.items() if v},
        "p95_ms": {k: sorted(v)[int(len(v) * 0.95)] for k, v in times.items() if v},
    }


def main() -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--proofs", type=int, default=200, help="random cases per round")
    parser.add_argument("--checkpoints", type=int, default=8, help="tree.issue() steps")
    parser.set_defaults(rounds=3)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return 0
    print(
        f"Audit proofs at {args.entries} entries ({args.checkpoints} checkpoints), median of"
        f" {args.proofs * args.rounds} cases; ratio = time / one primary-key read"
    )
    head = ("engine", "what", "median ms", "p95 ms", "ratio", "target")
    print("{:<11} {:<22} {:>10} {:>8} {:>8}  {}".format(*head))
    for r in run_engines("audit_proofs.py", args):
        median: dict[str, float] = r["median_ms"]  # type: ignore[assignment]
        p95: dict[str, float] = r["p95_ms"]  # type: ignore[assignment]
        print(
            f"{r['engine']:<11} (filled in {float(r['fill_s']):.1f} s, tree.issue() x"  # type: ignore[arg-type]
            f" {len(r['checkpoints'])} in {float(r['issue_s']):.1f} s)"  # type: ignore[arg-type]
        )
        base = median["pk_read"]
        for name, spent in median.items():
            target = ""
            if name in ("inclusion", "consistency"):
                target = f"< {TARGET_MS:.0f} ms {'ok' if spent < TARGET_MS else 'ABOVE'}"
            print(
                f"{r['engine']:<11} {name:<22} {spent:>10.3f} {p95[name]:>8.3f}"
                f" {spent / base:>7.1f}x  {target}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
