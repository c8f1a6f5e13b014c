"""`audit verify` against a plain scan plus SHA-256 of the same stored bytes.

    .venv/bin/python bench/audit_verify.py [--entries N] [--added K] [--engine sqlite|postgresql|both]
    .venv/bin/python bench/audit_verify.py --entries 10000000 --rounds 1 --variants none

The log is filled with synthetic rows written straight into the tables (appending
10 M entries through `chain.append` would take hours): real entry bodies from
`chain.entry(...).body(seq)`, their MACs, the hash chain, a signed checkpoint every
--checkpoint-every entries (as AUDIT_CHECKPOINT_EVERY does) with its Merkle root, the
participant index, the head file, the checkpoint file and PostgreSQL's head row; so
`chain.verify()` passes and does all of its work (chain, MAC, Merkle roots).

Measured in the same run, best of --rounds:
- baseline: read every stored body and SHA-256 it once, nothing else;
- chain: `chain.verify(check_index=False)`; full: `chain.verify()` (+ participant index);
- incremental: `chain.verify()` again after K more entries (and a checkpoint): today it
  rescans everything, so its time is that of a full verify, not proportional to K;
- variants (--variants all): copies of the hot loop of `_scan_chain` with one thing
  changed, to measure what a change to it would buy (see `_loop`).
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


def _insert(connection: Any, entries: list, subjects: list, checkpoints: list) -> None:
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


# ---- variants of the hot loop -------------------------------------------------------


def _loop(
    *,
    chain_hash: bool = True,
    mac: str = "partition",  # "partition" (as today), "update" (blake2b copy + updates), ""
    merkle: str = "tuple",  # "tuple" (as today), "bits" (stack of bytes, pops by seq's bits), ""
    covered_only_merkle: bool = False,
    server_cursor: int = 0,
) -> Callable[[], int]:
    """A copy of `_scan_chain`'s loop (without the index) with one thing changed.

    covered_only_merkle: entries up to the newest signed checkpoint get only the link
    check and the Merkle tree (the signed root already proves their bytes); the chain
    hash and the MAC are checked for the tail after it (and, on a failure, a rescan of
    the window before the failing checkpoint would name the entry: not measured here).
    server_cursor: PostgreSQL only, a named (server-side) cursor fetching this many rows
    a round trip instead of the whole result at once.
    """
    import hmac

    from django.db import connection, transaction

    from healthcamp.audit import chain, signing

    def run() -> int:
        if server_cursor and connection.vendor == "postgresql":
            with transaction.atomic():  # a named cursor lives in a transaction
                return scan()
        return scan()

    def scan() -> int:  # noqa: PLR0912 (one loop, every variant inline)
        roots, _, problem = chain._signed_roots(check_file=True)
        assert not problem, problem
        covered = max(roots) if roots and covered_only_merkle else 0
        sha256, blake2b, compare = hashlib.sha256, hashlib.blake2b, hmac.compare_digest
        mac_ok = signing.mac_check()
        key = signing.load().mac_key
        keyed = blake2b(key=key, digest_size=32)
        stack: list[Any] = []
        expected, prev = 1, chain.GENESIS
        connection.ensure_connection()
        raw = connection.connection
        if server_cursor and connection.vendor == "postgresql":
            cursor = raw.cursor(name="bench_scan")
            cursor.itersize = server_cursor
        else:
            cursor = raw.cursor()
        try:
            cursor.execute("SELECT seq, prev_hash, hash, body, mac FROM audit_entry ORDER BY seq")
            for seq, prev_hash, stored, body, tag in cursor:
                if not chain._stored_as_bytes(body, tag):
                    raise AssertionError(seq)
                if seq != expected or prev_hash != prev:
                    raise AssertionError(seq)
                if chain_hash and seq > covered and sha256(prev + body).digest() != stored:
                    raise AssertionError(seq)
                if seq > covered:
                    if mac == "partition":
                        if not mac_ok(bytes(body), seq, bytes(tag)):
                            raise AssertionError(seq)
                    elif mac == "update":
                        marker = b'"seq":%d,' % seq
                        at = body.find(marker)
                        view = memoryview(body)
                        h = keyed.copy()
                        h.update(view[: at + 6])
                        h.update(b"\x00,")
                        h.update(view[at + len(marker) :])
                        if at < 0 or not compare(h.digest(), tag):
                            raise AssertionError(seq)
                prev = stored
                if merkle == "tuple":
                    level, digest = 0, sha256(b"\x00" + body).digest()
                    while stack and stack[-1][0] == level:
                        digest = sha256(b"\x01" + stack.pop()[1] + digest).digest()
                        level += 1
                    stack.append((level, digest))
                    want = roots.get(seq)
                    if want is not None and chain._fold(stack) != want:
                        raise AssertionError(seq)
                elif merkle == "bits":
                    digest, n = sha256(b"\x00" + body).digest(), seq
                    while not n & 1:
                        digest = sha256(b"\x01" + stack.pop() + digest).digest()
                        n >>= 1
                    stack.append(digest)
                    want = roots.get(seq)
                    if want is not None:
                        for left in reversed(stack[:-1]):
                            digest = sha256(b"\x01" + left + digest).digest()
                        if digest != want:
                            raise AssertionError(seq)
                expected += 1
        finally:
            cursor.close()
        return expected - 1

    return run


VARIANTS: dict[str, dict[str, Any]] = {
    "copy of today's loop": {},
    "no Merkle (before it)": {"merkle": ""},
    "no chain SHA-256": {"chain_hash": False},
    "no MAC": {"mac": ""},
    "MAC by blake2b.copy+update": {"mac": "update"},
    "Merkle stack by seq bits": {"merkle": "bits"},
    "both of the above": {"mac": "update", "merkle": "bits"},
    "signed part: link+Merkle only": {"covered_only_merkle": True, "merkle": "bits"},
    "PG server cursor, 10k/fetch": {"server_cursor": 10_000},
}


# ---- the child: fill, then measure ---------------------------------------------------


def timed(work: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    count = work()
    return time.perf_counter() - started, count


def child(args: Any) -> dict[str, Any]:
    setup_django()
    from django.db import connection

    from healthcamp.audit import chain

    filler = Filler(checkpoint_every=args.checkpoint_every)
    fill_s, _ = timed(lambda: filler.add(args.entries) or args.entries)

    def baseline() -> int:
        count = 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT body FROM audit_entry ORDER BY seq")
            for (body,) in cursor:
                hashlib.sha256(bytes(body)).digest()
                count += 1
        return count

    def verifier(check_index: bool) -> Callable[[], int]:
        def run() -> int:
            result = chain.verify(check_index=check_index)
            assert result.ok, result.problem
            return result.entries

        return run

    work: dict[str, Callable[[], int]] = {"baseline": baseline, "chain": verifier(False)}
    if not args.skip_full:
        work["full"] = verifier(True)
    if args.variants == "all":
        for name, flags in VARIANTS.items():
            if flags.get("server_cursor") and connection.vendor != "postgresql":
                continue
            work[name] = _loop(**flags)
    best: dict[str, float] = {}
    for _ in range(args.rounds):  # interleaved, so machine noise hits all alike
        for name, run in work.items():
            seconds, count = timed(run)
            assert count == args.entries, (name, count)
            best[name] = min(best.get(name, float("inf")), seconds)
    result: dict[str, Any] = {"fill_s": fill_s, "seconds": best}
    if args.added:
        filler.add(args.added)
        again: dict[str, float] = {}
        for _ in range(args.rounds):
            for name in ("baseline", "chain"):
                seconds, count = timed(work[name])
                assert count == args.entries + args.added, (name, count)
                again[name] = min(again.get(name, float("inf")), seconds)
        result["after_added"] = again
    return result


def main() -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--added", type=int, default=1000, help="K new entries, then verify again")
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--variants", choices=["all", "none"], default="all")
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
    print("chain = chain.verify(check_index=False): hash chain, MACs, Merkle roots, heads;")
    print("full = chain + participant index; variants = copies of the hot loop, one change each")
    head = ("engine", "check", "entries/s", "seconds", "ratio", "target")
    print("{:<11} {:<30} {:>10} {:>8} {:>7}  {}".format(*head))
    for r in run_engines("audit_verify.py", args):
        seconds: dict[str, float] = r["seconds"]  # type: ignore[assignment]
        base = seconds["baseline"]
        print(f"{r['engine']:<11} (filled in {float(r['fill_s']):.1f} s)")  # type: ignore[arg-type]
        for name, spent in seconds.items():
            ratio = base / spent
            target = ""
            if name == "chain":
                target = f"{TARGET:.2f}x {'ok' if ratio >= TARGET else 'BELOW'}"
            label = "scan+sha256 (baseline)" if name == "baseline" else name
            print(
                f"{r['engine']:<11} {label:<30} {n / spent:>10.0f} {spent:>8.2f} {ratio:>6.2f}x  "
                f"{target}"
            )
        if "after_added" in r:
            after: dict[str, float] = r["after_added"]  # type: ignore[assignment]
            print(
                f"{r['engine']:<11} incremental: after {args.added} new entries, chain verify"
                f" took {after['chain']:.2f} s (full verify before: {seconds['chain']:.2f} s,"
                f" {after['chain'] / seconds['chain']:.2f}x of it; proportional to the new"
                f" entries would be {seconds['chain'] * args.added / n:.3f} s)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
