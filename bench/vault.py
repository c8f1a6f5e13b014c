"""What sealing identities costs: encrypted registry reads, writes and lookups against the
same operations on plaintext columns, in the same run.

    .venv/bin/python bench/vault.py [--engine sqlite|postgresql|both] [--rows N]

Both sides use the same driver cursor and the same indexes, so the ratio is the price
of AES-GCM, key wrapping and the blind index, not of the ORM.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import base_parser, best_of, run_engines, setup_django

PLAIN = """
CREATE TABLE bench_plain (
    id varchar(32) PRIMARY KEY, given_name varchar(100), family_name varchar(100),
    date_of_birth varchar(10), phone varchar(32)
)
"""
SEALED = """
CREATE TABLE bench_sealed (
    id varchar(32) PRIMARY KEY, given_name_sealed {blob}, family_name_sealed {blob},
    date_of_birth_sealed {blob}, phone_sealed {blob}, wrapped_key {blob}, kek_id varchar(16),
    name_index {blob}, tolerant_index {blob}, age_band varchar(8)
)
"""


def child(rows: int, rounds: int) -> dict[str, float]:
    setup_django()
    from django.db import connection

    from healthcamp.services import identity
    from healthcamp.vault import crypto

    blob = "bytea" if connection.vendor == "postgresql" else "blob"
    people = [
        (
            uuid.uuid4(),
            identity.Identity(
                given_name=f"Given{i}",
                family_name=f"Family{i % 997}",
                date_of_birth=date(1940, 1, 1) + timedelta(days=i % 25000),
                phone=f"+254 7{i:08d}",
            ),
        )
        for i in range(rows)
    ]
    today = date(2026, 11, 1)
    with connection.cursor() as cursor:
        cursor.execute(PLAIN)
        cursor.execute(
            "CREATE INDEX bench_plain_name ON bench_plain (given_name, family_name, date_of_birth)"
        )
        cursor.execute(SEALED.format(blob=blob))
        cursor.execute("CREATE INDEX bench_sealed_tolerant ON bench_sealed (tolerant_index)")
    counter = iter(range(10**9))

    def write_plain() -> int:
        tag = next(counter)
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_plain VALUES (%s, %s, %s, %s, %s)",
                [
                    (
                        f"{tag:08x}{i:024x}",
                        p.given_name,
                        p.family_name,
                        p.date_of_birth.isoformat(),
                        p.phone,
                    )
                    for i, (_pid, p) in enumerate(people)
                ],
            )
        return rows

    def write_sealed() -> int:
        tag = next(counter)
        values = []
        for i, (_pid, person) in enumerate(people):
            pid = uuid.UUID(f"{tag:08x}{i:024x}")
            sealed = identity.seal_identity(pid, person, today=today)
            values.append(
                (
                    pid.hex,
                    *(
                        sealed[k]
                        for k in (
                            "given_name_sealed",
                            "family_name_sealed",
                            "date_of_birth_sealed",
                            "phone_sealed",
                            "wrapped_key",
                            "kek_id",
                            "name_index",
                            "tolerant_index",
                            "age_band",
                        )
                    ),
                )
            )
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_sealed VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", values
            )
        return rows

    # Reads and lookups use the rows of the first write of each kind.
    results: dict[str, float] = {}
    results["write_plain"] = best_of(rounds, write_plain)
    results["write_sealed"] = best_of(rounds, write_sealed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM bench_plain ORDER BY id LIMIT %s", [rows])
        plain_ids = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT id FROM bench_sealed ORDER BY id LIMIT %s", [rows])
        sealed_ids = [r[0] for r in cursor.fetchall()]

    class Row:
        __slots__ = (
            "date_of_birth_sealed",
            "family_name_sealed",
            "given_name_sealed",
            "id",
            "kek_id",
            "phone_sealed",
            "wrapped_key",
        )

    def read_plain() -> int:
        with connection.cursor() as cursor:
            for pid in plain_ids:
                cursor.execute(
                    "SELECT given_name, family_name, date_of_birth, phone FROM bench_plain WHERE id = %s",
                    [pid],
                )
                cursor.fetchone()
        return len(plain_ids)

    def read_sealed() -> int:
        with connection.cursor() as cursor:
            for pid in sealed_ids:
                cursor.execute(
                    "SELECT id, kek_id, wrapped_key, given_name_sealed, family_name_sealed, "
                    "date_of_birth_sealed, phone_sealed FROM bench_sealed WHERE id = %s",
                    [pid],
                )
                found = cursor.fetchone()
                row = Row()
                row.id = uuid.UUID(found[0])
                (
                    row.kek_id,
                    row.wrapped_key,
                    row.given_name_sealed,
                    row.family_name_sealed,
                    row.date_of_birth_sealed,
                    row.phone_sealed,
                ) = found[1:]
                identity.open_identity(row)  # type: ignore[arg-type]
        return len(sealed_ids)

    sample = people[: min(rows, 2000)]

    def lookup_plain() -> int:
        with connection.cursor() as cursor:
            for _pid, p in sample:
                cursor.execute(
                    "SELECT id FROM bench_plain WHERE given_name = %s AND family_name = %s "
                    "AND date_of_birth = %s",
                    [p.given_name, p.family_name, p.date_of_birth.isoformat()],
                )
                cursor.fetchall()
        return len(sample)

    def lookup_blind() -> int:
        key = identity.keyring().index_key
        with connection.cursor() as cursor:
            for _pid, p in sample:
                _exact, tolerant = crypto.name_indexes(
                    key, given=p.given_name, family=p.family_name, born=p.date_of_birth
                )
                cursor.execute("SELECT id FROM bench_sealed WHERE tolerant_index = %s", [tolerant])
                cursor.fetchall()
        return len(sample)

    for name, work in (
        ("read_plain", read_plain),
        ("read_sealed", read_sealed),
        ("lookup_plain", lookup_plain),
        ("lookup_blind", lookup_blind),
    ):
        results[name] = best_of(rounds, work)
    results["write"] = results["write_sealed"] / results["write_plain"]
    results["read"] = results["read_sealed"] / results["read_plain"]
    results["lookup"] = results["lookup_blind"] / results["lookup_plain"]
    return results


def main() -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.rows, args.rounds)))
        return 0
    print(
        f"Sealed vs plaintext registry operations, {args.rows} rows, best of {args.rounds} rounds"
    )
    print("{:<11} {:<7} {:>10} {:>10} {:>7}".format("engine", "op", "plain/s", "sealed/s", "ratio"))
    for r in run_engines("vault.py", args):
        for op, plain, sealed in (
            ("write", "write_plain", "write_sealed"),
            ("read", "read_plain", "read_sealed"),
            ("lookup", "lookup_plain", "lookup_blind"),
        ):
            print(
                f"{r['engine']:<11} {op:<7} {float(r[plain]):>10.0f} {float(r[sealed]):>10.0f}"  # type: ignore[arg-type]
                f" {float(r[op]):>6.2f}x"
            )  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
