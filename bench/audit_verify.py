"""`audit verify` against a plain scan plus SHA-256 of the same stored bytes.

    .venv/bin/python bench/audit_verify.py [--entries N] [--added K] [--engine sqlite|postgresql|both]
    .venv/bin/python bench/audit_verify.py --entries 10000000 --rounds 1

The log is filled with synthetic rows written straight into the tables (appending
10 M entries through `chain.append` would take hours): real entry bodies from
`chain.entry(...).body(seq)`, their MACs, the hash chain, a signed checkpoint every
--checkpoint-every entries (as AUDIT_CHECKPOINT_EVERY does) with its Merkle root, the
participant index, the head file, the checkpoint file and PostgreSQL's head row; so
`chain.verify()` passes and does all of its work (chain, MAC, Merkle roots).

Measured in the same run, best of --rounds:
- baseline: read every stored body and SHA-256 it once, nothing else (streamed, as the
  verifier streams: a server-side cursor on PostgreSQL);
- chain: `chain.verify(check_index=False)`; full: `chain.verify()` (+ participant index),
  also against the baseline plus a plain read of the index rows, the bytes it reads;
- incremental: `audit verify` as the command runs it (from where the last run stopped)
  after K more entries, against one baseline scan of the whole log.
Target: chain >= 0.8x the baseline's throughput.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import base_parser, run_engines, setup_django

TARGET = 0.8
POOL = 4000  # distinct entries (a multiple of 20: the mix below repeats every 20)


# ---- filling the log with synthetic, valid rows -------------------------------------


@dataclass
class Filler:
    """Writes valid audit rows straight into the tables, continuing where it stopped."""

    checkpoint_every: int  # 0: no checkpoints (the caller issues them, e.g. tree.issue())
    seed: int = 3
    seq: int = 0
    last: bytes = bytes(32)
    prev: bytes = bytes(32)
    stack: list[bytes] = field(default_factory=list)  # Merkle: perfect subtrees, left to right
    checkpoint: tuple[int, bytes, str] | None = None
    pool: list[Any] = field(default_factory=list)

    def _pool(self) -> list[Any]:
        if not self.pool:
            from healthcamp.audit import chain

            rng = random.Random(self.seed)
            people = [f"{rng.getrandbits(128):032x}" for _ in range(2000)]
            for i in range(POOL):
                # Mostly single reads, some bulk reads, some set-up actions naming nobody.
                kind = i % 20
                subjects = (
                    rng.sample(people, 50)
                    if kind == 0
                    else []
                    if kind == 1
                    else [rng.choice(people)]
                )
                self.pool.append(
                    chain.entry(
                        actor="staff:7:bench",
                        role="clinician",
                        action="participant.read",
                        purpose="screening",
                        outcome="allowed",
                        subjects=subjects,
                    )
                )
        return self.pool

    def add(self, count: int, batch: int = 50_000) -> None:
        from django.db import connection, transaction

        from healthcamp.audit import note, tree

        pool = self._pool()
        sha256 = hashlib.sha256
        signer = tree.signer()
        origin = tree.origin()
        target = self.seq + count
        while self.seq < target:
            entries: list[tuple[int, bytes, bytes, bytes, bytes]] = []
            subjects: list[tuple[int, str]] = []
            checkpoints: list[tuple[int, bytes, str]] = []
            seq, last, stack = self.seq, self.last, self.stack
            prev = self.prev
            for _ in range(min(batch, target - seq)):
                seq += 1
                new = pool[seq % POOL]
                body = new.body(seq)
                digest = sha256(last + body).digest()
                entries.append((seq, last, digest, body, new.mac))
                subjects.extend((seq, pid) for pid in new.subjects)
                prev, last = last, digest
                node, n = sha256(b"\x00" + body).digest(), seq
                while not n & 1:
                    node = sha256(b"\x01" + stack.pop() + node).digest()
                    n >>= 1
                stack.append(node)
                if self.checkpoint_every and (seq % self.checkpoint_every == 0 or seq == target):
                    root = stack[-1]
                    for left in reversed(stack[:-1]):
                        root = sha256(b"\x01" + left + root).digest()
                    body_text = note.checkpoint_body(origin=origin, size=seq, root=root)
                    checkpoints.append((seq, root, note.sign(body=body_text, signer=signer)))
            self.seq, self.last, self.prev = seq, last, prev
            with transaction.atomic():
                _insert(connection, entries, subjects, checkpoints)
            if checkpoints:
                self.checkpoint = checkpoints[-1]
        self._heads()

    def _heads(self) -> None:
        """The head file, the checkpoint file and PostgreSQL's head row, as appends leave them."""
        from django.db import connection

        from healthcamp.audit import chain, tree

        chain.replace_head_file(chain.Head(self.seq, self.last))
        if self.checkpoint is not None:
            tree.checkpoint_file().write_text(self.checkpoint[2], encoding="utf-8")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO audit_head (id, seq, prev, hash) VALUES (1, %s, %s, %s) "
                    "ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, prev = EXCLUDED.prev, "
                    "hash = EXCLUDED.hash",
                    [self.seq, self.prev, self.last],
                )
                cursor.execute("VACUUM ANALYZE audit_entry")
                cursor.execute("VACUUM ANALYZE audit_subject")


def _insert(
    connection: Any, entries: list[Any], subjects: list[Any], checkpoints: list[Any]
) -> None:
    now = datetime.now(UTC)
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor:
            with cursor.copy(
                "COPY audit_entry (seq, prev_hash, hash, body, mac) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int8", "bytea", "bytea", "bytea", "bytea"])
                for row in entries:
                    copy.write_row(row)
            with cursor.copy("COPY audit_subject (seq, participant_id) FROM STDIN") as copy:
                for row in subjects:
                    copy.write_row(row)
            if checkpoints:
                cursor.executemany(
                    "INSERT INTO audit_checkpoint (size, root, note, issued_at) "
                    "VALUES (%s, %s, %s, %s)",
                    [(*c, now) for c in checkpoints],
                )
    else:
        cursor = raw.cursor()
        cursor.executemany(
            "INSERT INTO audit_entry (seq, prev_hash, hash, body, mac) VALUES (?, ?, ?, ?, ?)",
            entries,
        )
        cursor.executemany(
            "INSERT INTO audit_subject (seq, participant_id) VALUES (?, ?)", subjects
        )
        if checkpoints:
            cursor.executemany(
                "INSERT INTO audit_checkpoint (size, root, note, issued_at) VALUES (?, ?, ?, ?)",
                [(*c, now.isoformat()) for c in checkpoints],
            )
        cursor.close()


# ---- the child: fill, then measure ---------------------------------------------------


def timed(work: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    count = work()
    return time.perf_counter() - started, count


def child(args: Any) -> dict[str, Any]:
    import resource

    setup_django()
    from django.db import transaction

    from healthcamp.audit import chain, scan, verified_state

    filler = Filler(checkpoint_every=args.checkpoint_every)

    def fill() -> int:
        filler.add(args.entries)
        return int(args.entries)

    fill_s, _ = timed(fill)

    def scan_rows(sql: str, name: str, work: Callable[[Any], object]) -> int:
        """Every row of `sql` through `work`, streamed as verify streams (a server-side
        cursor in a transaction on PostgreSQL), so 10 M rows never sit in memory."""
        count = 0
        with transaction.atomic(), scan.rows(sql, name=name) as cursor:
            for row in cursor:
                work(row)
                count += 1
        return count

    def baseline() -> int:
        sha256 = hashlib.sha256
        return scan_rows(
            "SELECT body FROM audit_entry ORDER BY seq",
            "bench_baseline",
            lambda row: sha256(bytes(row[0])).digest(),
        )

    def baseline_and_index() -> int:
        """The baseline plus a plain read of the participant index, which the full check
        also reads (3.5 rows an entry in this mix): the same stored bytes as `full`."""
        count = baseline()
        scan_rows(
            "SELECT seq, participant_id FROM audit_subject ORDER BY seq",
            "bench_index",
            lambda row: None,
        )
        return count

    def verifier(check_index: bool, *, incremental: bool = False) -> Callable[[], int]:
        def run() -> int:
            result = chain.verify(
                check_index=check_index, incremental=incremental, remember=incremental
            )
            assert result.ok, result.problem
            return result.entries

        return run

    work: dict[str, Callable[[], int]] = {"baseline": baseline, "chain": verifier(False)}
    if not args.skip_full:
        work["full"] = verifier(True)
        work["baseline+index"] = baseline_and_index
    best: dict[str, float] = {}
    for _ in range(args.rounds):  # interleaved, so machine noise hits all alike
        for name, run in work.items():
            seconds, count = timed(run)
            assert count == args.entries, (name, count)
            best[name] = min(best.get(name, float("inf")), seconds)
    result: dict[str, Any] = {"fill_s": fill_s, "seconds": best}
    if args.added:
        # `audit verify` as the command runs it: remember, add K entries, verify again.
        verifier(False, incremental=True)()
        filler.add(args.added)
        seconds, count = timed(verifier(False, incremental=True))
        assert count == args.entries + args.added, count
        base_again, _ = timed(baseline)
        result["after_added"] = {"incremental": seconds, "baseline": base_again}
        verified_state.path().unlink()
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--added", type=int, default=1000, help="K new entries, then verify again")
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--skip-full", action="store_true", help="skip the participant index")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return 0
    n = args.entries
    print(
        f"audit verify vs scan + sha256, {n} entries (checkpoint every {args.checkpoint_every}),"
        f" best of {args.rounds} rounds"
    )
    print("chain = chain.verify(check_index=False, full): the signed part in blocks (links,")
    print("Merkle roots), the tail entry by entry (chain hash, MAC); full = chain + the index")
    head = ("engine", "check", "entries/s", "seconds", "ratio", "target")
    print("{:<11} {:<30} {:>10} {:>8} {:>7}  {}".format(*head))
    for r in run_engines("audit_verify.py", args):
        seconds: dict[str, float] = r["seconds"]  # type: ignore[assignment]
        base = seconds["baseline"]
        print(
            f"{r['engine']:<11} (filled in {float(r['fill_s']):.1f} s; "  # type: ignore[arg-type]
            f"peak RSS {float(r['max_rss_mb']):.0f} MB)"  # type: ignore[arg-type]
        )
        for name, spent in seconds.items():
            if name == "baseline+index":
                continue
            ratio = base / spent
            target = ""
            if name == "chain":
                target = f"{TARGET:.2f}x {'ok' if ratio >= TARGET else 'BELOW'}"
            if name == "full" and "baseline+index" in seconds:
                target = (
                    f"{seconds['baseline+index'] / spent:.2f}x of scan+sha256 and a plain read of"
                    f" the index ({seconds['baseline+index']:.2f} s)"
                )
            label = "scan+sha256 (baseline)" if name == "baseline" else name
            print(
                f"{r['engine']:<11} {label:<30} {n / spent:>10.0f} {spent:>8.2f} {ratio:>6.2f}x  "
                f"{target}"
            )
        if "after_added" in r:
            after: dict[str, float] = r["after_added"]  # type: ignore[assignment]
            share = after["incremental"] / after["baseline"]
            print(
                f"{r['engine']:<11} incremental: after {args.added} new entries, `audit verify`"
                f" took {after['incremental']:.3f} s, {share:.3f}x of one scan+sha256 of all"
                f" {n + args.added} (new entries are {args.added / (n + args.added):.3f} of"
                " the log; the rest is the scrub slice and fixed costs)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
