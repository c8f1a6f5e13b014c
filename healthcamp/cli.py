"""The `healthcamp` command."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence
from typing import Any


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcamp.settings")
    import django

    django.setup()


def _migrate(*, quiet: bool = False) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if quiet else 1)


def _pending_migrations() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def serve(*, host: str, port: int, workers: int) -> int:
    """Run under gunicorn, a production WSGI server."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    from healthcamp.access.errors import VaultUnavailable
    from healthcamp.services import server_lock
    from healthcamp.services.backup import reapply_at_start
    from healthcamp.wsgi import application

    if taken := port_taken(host, port):
        print(taken, file=sys.stderr)
        return 2
    try:
        # Held by this process and, across fork, by its workers: restore and key
        # rotation refuse while it is held.
        server_lock.hold_for_server()
    except server_lock.DatabaseInUse as error:
        print(str(error), file=sys.stderr)
        return 2
    if _pending_migrations():
        print("The database is not up to date: run `healthcamp migrate` first.", file=sys.stderr)
        return 2
    try:
        # Whoever the erasure ledger lists stays erased, however this database came to be.
        reerased = reapply_at_start()
    except VaultUnavailable as error:
        print(f"The server cannot start: {error}", file=sys.stderr)
        return 2
    if reerased:
        print(
            f"Erased again {reerased} participant(s) the erasure ledger lists but the database "
            "held (a restore or a copy of an older database had brought them back).",
            file=sys.stderr,
        )

    def close_before_fork(server: Any, worker: Any) -> None:
        # A connection open in the master would be inherited by every worker: one socket
        # shared by several processes, whose requests then read each other's rows.
        del server, worker
        connections.close_all()

    close_before_fork(None, None)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            # The path without its query string: searches and portal links must not leave
            # names, birth dates or card codes in the server's log.
            self.cfg.set("access_log_format", '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss')
            self.cfg.set("timeout", 60)
            self.cfg.set("pre_fork", close_before_fork)

        def load(self) -> Any:
            return application

    print(f"healthcamp is serving on http://{host}:{port}/ (Ctrl+C stops it)", flush=True)
    Server().run()
    return 0


def port_taken(host: str, port: int) -> str:
    """ "" if a server could listen on host:port now, else one line saying why not."""
    import socket

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
            probe.bind((host, port))
    except OSError as error:
        reason = (
            "is in use by another program"
            if error.errno == errno.EADDRINUSE
            else (f"cannot be used ({error.strerror})")
        )
        return (
            f"Port {port} on {host} {reason}: stop that program, or choose another port "
            "with --port."
        )
    return ""


def demo(*, participants_count: int, host: str, port: int, run_server: bool) -> int:
    from django.conf import settings
    from rich.progress import Progress

    from healthcamp.demo import PORTAL_PERSON, PROGRAMME, portal_card, seed
    from healthcamp.registry.cardcode import display

    if run_server and (taken := port_taken(host, port)):
        print(taken, file=sys.stderr)  # before seeding, so the answer comes at once
        return 2
    _migrate(quiet=True)
    with Progress(transient=True) as progress:
        task = progress.add_task("Registering synthetic participants", total=participants_count)
        logins = seed(
            participants_count=participants_count,
            progress=lambda n: progress.advance(task, n),
        )
    print(f"Demo programme: {PROGRAMME} (2 sites, synthetic participants).")
    if not settings.STAFF_TWO_FACTOR:
        print(
            "Two-factor log-in is off in this demo (HEALTHCAMP_STAFF_2FA=false); "
            "`healthcamp serve` asks staff for an authenticator-app code."
        )
    # Addresses only when something will answer at them.
    base = f"http://{host}:{port}" if run_server else ""
    print(f"Log in at {base}/login/ as:" if base else "Staff log-ins (`healthcamp serve`):")
    for login in logins:
        print(f"  {login.role:<12} name: {login.username:<12} password: {login.password}")
    if card := portal_card():
        where = f"{base}/me/" if base else "The participant portal (/me/)"
        print(
            f"{'Participant portal: ' if base else ''}{where} with card {display(card)} "
            f"and date of birth {PORTAL_PERSON[2].isoformat()} (a synthetic person)."
        )
    if not run_server:
        return 0
    return serve(host=host, port=port, workers=2)


def staff_add_command(
    *, name: str, role: str, password_env: str | None, programme_ids: list[int]
) -> int:
    from healthcamp.access.errors import AccessError
    from healthcamp.access.staff import staff_add

    password = os.environ.get(password_env) if password_env else None
    if password_env and not password:
        print(f"The environment variable {password_env} is empty or not set.", file=sys.stderr)
        return 2
    try:
        new = staff_add(username=name, role=role, password=password, programme_ids=programme_ids)
    except AccessError as error:
        print(str(error), file=sys.stderr)
        return 2
    where = (
        f" in programme {', '.join(map(str, sorted(set(programme_ids))))}"
        if programme_ids
        else " (in no programme yet: add them with --programme or the members API)"
    )
    print(f"Staff member {new.actor.username} added with role {new.actor.role.value}{where}.")
    if not password:
        print(f"Web password (shown once): {new.password}")
    print("API token (shown once, on the next line):")
    print(new.token)
    return 0


def staff_tokens_command(*, name: str) -> int:
    from healthcamp.access.errors import AccessError
    from healthcamp.services.staff_admin import staff_tokens

    try:
        tokens = staff_tokens(username=name)
    except AccessError as error:
        print(str(error), file=sys.stderr)
        return 2
    if not tokens:
        print(f"{name} has no API tokens.")
        return 0

    def when(moment: Any) -> str:
        return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"

    print(f"{'name':<20} {'state':<8} {'created':<16} {'expires':<16} last used")
    for token in tokens:
        print(
            f"{token.label:<20} {token.state:<8} {when(token.created_at):<16} "
            f"{when(token.expires_at):<16} {when(token.last_used_at)}"
        )
    return 0


def staff_revoke_command(*, name: str, label: str | None) -> int:
    from healthcamp.access.errors import AccessError
    from healthcamp.services.staff_admin import staff_revoke

    try:
        revoked = staff_revoke(username=name, label=label)
    except AccessError as error:
        print(str(error), file=sys.stderr)
        return 2
    which = f"called {label!r} " if label else ""
    print(f"Revoked {revoked} live token(s) {which}of {name}; they now get 401.")
    return 0


def staff_deactivate_command(*, name: str) -> int:
    from healthcamp.access.errors import AccessError
    from healthcamp.services.staff_admin import staff_deactivate

    try:
        revoked = staff_deactivate(username=name)
    except AccessError as error:
        print(str(error), file=sys.stderr)
        return 2
    print(f"{name} can no longer log in; {revoked} live token(s) revoked.")
    return 0


def staff_token_add_command(*, name: str, label: str) -> int:
    from healthcamp.access.errors import AccessError
    from healthcamp.services.staff_admin import staff_token_add

    try:
        token = staff_token_add(username=name, label=label)
    except AccessError as error:
        print(str(error), file=sys.stderr)
        return 2
    print(f"New API token {label!r} for {name} (shown once, on the next line):")
    print(token)
    return 0


def audit_command(args: argparse.Namespace) -> int:
    """The transparency log: verify, checkpoint, public-key, prove, consistency."""
    import json

    from healthcamp.audit import note, tree

    if args.audit_command == "verify":
        return audit_verify(full=args.full)
    try:
        if args.audit_command == "checkpoint":
            print(tree.issue().note, end="")
        elif args.audit_command == "public-key":
            print(tree.public_key())
        elif args.audit_command == "prove":
            print(json.dumps(tree.proof_of(seq=args.seq), indent=2))
        else:
            if args.old_size < 1:
                print(
                    "A consistency proof starts from a checkpoint of at least 1 entry: the "
                    "empty log is extended by every log, and there is nothing to prove.",
                    file=sys.stderr,
                )
                return 1
            print(json.dumps(tree.consistency_of(first=args.old_size, second=args.new_size)))
    except (LookupError, ValueError, note.NoteError) as error:
        print(str(error).strip("'\""), file=sys.stderr)
        return 1
    return 0


def audit_verify(*, full: bool = False) -> int:
    from healthcamp.audit.chain import AuditHeadFileError, verify

    try:
        result = verify(incremental=not full, remember=True)
    except (AuditHeadFileError, OSError, ValueError) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    if result.warning:
        print(f"Warning: {result.warning}", file=sys.stderr)
    if result.ok:
        since = (
            f"{result.new} new since the last verification (`--full` checks them all)"
            if result.new < result.entries
            else "every one checked"
        )
        processes = ", in parallel" if result.parallel else ""
        print(
            f"OK: {result.entries} audit entries verified ({since}{processes}); the log is intact."
        )
        return 0
    print(
        f"FAILED at entry {result.first_bad_seq}: {result.problem}. "
        f"{result.entries} entries before it verified.",
        file=sys.stderr,
    )
    return 1


def bench(*, extra: list[str]) -> int:
    """Run the benchmarks in the source tree's bench/ folder (ratios, same-run baselines)."""
    import subprocess
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "bench"
    scripts = [
        folder / name
        for name in (
            "access_overhead.py",
            "request_cost.py",
            "audit_verify.py",
            "vault.py",
            "letters.py",
        )
    ]
    if not all(script.exists() for script in scripts):
        print(
            f"The benchmarks live in the source tree ({folder}); run this from a clone.",
            file=sys.stderr,
        )
        return 2
    codes = [subprocess.call([sys.executable, str(script), *extra]) for script in scripts]  # noqa: S603
    return max(codes)


def backup_command(*, path: str) -> int:
    from pathlib import Path

    from healthcamp.access.errors import VaultUnavailable
    from healthcamp.services.backup import BackupError, backup

    try:
        info = backup(path=Path(path))
    except (BackupError, VaultUnavailable) as error:
        print(f"Backup failed: {error}", file=sys.stderr)
        return 1
    print(
        f"Backup written to {info.path} ({info.size} bytes, taken {info.taken_at}, "
        f"{info.erasures} erasures on record). It opens only with this vault key."
    )
    return 0


def restore_command(*, path: str, yes: bool) -> int:
    from pathlib import Path

    from healthcamp.access.errors import VaultUnavailable
    from healthcamp.services.backup import BackupError, restore
    from healthcamp.services.server_lock import DatabaseInUse

    if not yes:
        if not sys.stdin.isatty():
            print(
                "Restoring replaces the whole database. Without a terminal to confirm on, "
                "pass --yes to restore.",
                file=sys.stderr,
            )
            return 2
        answer = input(f"Replace the whole database with {path}? Type 'restore' to go on: ")
        if answer.strip() != "restore":
            print("Nothing was changed.")
            return 1
    try:
        info = restore(path=Path(path))
    except DatabaseInUse as error:
        print(f"Restore refused: {error}", file=sys.stderr)
        return 1
    except (BackupError, VaultUnavailable) as error:
        print(f"Restore failed, nothing was changed: {error}", file=sys.stderr)
        return 1
    print(
        f"Restored the backup taken {info.taken_at}; erased again {info.reerased} "
        f"participant(s) erased since; the audit head is now entry {info.audit_head}."
    )
    return 0


def rotate_command() -> int:
    from rich.progress import Progress

    from healthcamp.access.errors import VaultUnavailable
    from healthcamp.services.keys import rotate
    from healthcamp.services.server_lock import DatabaseInUse

    try:
        with Progress(transient=True) as progress:
            task = progress.add_task("Re-wrapping data keys", total=None)
            result = rotate(
                progress=lambda done, total: progress.update(task, completed=done, total=total)
            )
    except DatabaseInUse as error:
        print(f"Key rotation refused: {error}", file=sys.stderr)
        return 1
    except VaultUnavailable as error:
        print(f"Key rotation stopped: {error} Run it again to resume.", file=sys.stderr)
        return 1
    print(
        f"Rotated the vault key {result.old_id} -> {result.new_id}: {result.rewrapped} data "
        f"key(s) re-wrapped, no data re-encrypted. The old key is kept at {result.retired}: "
        "backups taken before now need it."
    )
    return 0


def _report_parser(commands: Any) -> None:
    report = commands.add_parser("report", help="programme reports (counts only)")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    report_commands.add_parser(
        "backfill",
        help="write the reports' facts for visits and consents recorded before reports existed",
    )


# ---- import (issue 12) ------------------------------------------------------------------


def _import_parser(commands: Any) -> None:
    p = commands.add_parser(
        "import",
        help="bring in a file of results (long layout card_code,visit_date,site_id,code,value,"
        "unit) or of paper registration forms (import registrations FILE): checked whole "
        "first, then all or nothing",
    )
    p.add_argument(
        "what",
        nargs="+",
        metavar="[results|registrations|template] FILE",
        help="a CSV or XLSX file; `template FILE.csv|FILE.xlsx` writes the programme's template",
    )
    p.add_argument(
        "--kind",
        choices=["results", "registrations"],
        default="results",
        help="which template `import template` writes (default: results)",
    )
    p.add_argument("--programme", type=int, required=True, metavar="ID")
    p.add_argument(
        "--as",
        dest="as_staff",
        metavar="USERNAME",
        default=os.environ.get("HEALTHCAMP_STAFF", ""),
        help="the staff member importing (default: $HEALTHCAMP_STAFF); their role decides "
        "which rows they may bring in",
    )
    p.add_argument("--dry-run", "--check", dest="dry_run", action="store_true", help="check only")
    p.add_argument("--encoding", help="the file's encoding when not UTF-8/UTF-16, e.g. cp1252")
    p.add_argument("--site", type=int, help="a FHIR Bundle's site (default: the only one)")
    p.add_argument(
        "--source",
        choices=["lab_file", "paper_form"],
        default="lab_file",
        help="where the values come from (each person's log says so)",
    )
    p.add_argument(
        "--report",
        metavar="FILE.csv",
        help="where to write the problems (default: FILE.problems.csv)",
    )


def _problems_listed(problems: Any, report: Any) -> int:
    from healthcamp.imports.problems import report_csv

    for p in problems[:50]:
        print(f"row {p.row}, column {p.column}: {p.message}", file=sys.stderr)
    if len(problems) > 50:
        print(f"... and {len(problems) - 50} more.", file=sys.stderr)
    report.write_text(report_csv(problems), encoding="utf-8")
    print(
        f"{len(problems)} problem(s) found; nothing was written. The list is in {report}: "
        "correct the file and import it again.",
        file=sys.stderr,
    )
    return 1


def _import_template(actor: Any, args: argparse.Namespace, path: Any) -> int:
    """Write the programme's template for a kind of file; its format from the file's name."""
    from healthcamp.access.errors import AccessError, InvalidInput
    from healthcamp.imports.templates import template

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        print(f"Name the template FILE.csv or FILE.xlsx, not {path.name!r}.", file=sys.stderr)
        return 2
    try:
        made = template(actor=actor, programme_id=args.programme, kind=args.kind, fmt=fmt)
    except InvalidInput as error:
        print(" ".join(error.errors.values()), file=sys.stderr)
        return 2
    except AccessError as error:
        print(str(error), file=sys.stderr)
        return 2
    try:
        path.write_bytes(made.data)
    except OSError as error:
        print(f"Cannot write {path}: {error.strerror}.", file=sys.stderr)
        return 2
    print(f"Wrote the {args.kind} template of programme {args.programme} to {path}.")
    return 0


def import_command(args: argparse.Namespace) -> int:
    """Exit 0: everything is in (or already was); 1: problems, listed and written as CSV,
    nothing written; 2: the command itself is wrong (usage, who, which programme).

    `import FILE` and `import results FILE` bring in results; `import registrations FILE`
    registers people from paper forms."""
    from pathlib import Path

    from healthcamp.access.errors import AccessError
    from healthcamp.access.staff import actor_named
    from healthcamp.imports.problems import FileRefused, ProblemsFound

    kind, path = (args.what[0], args.what[1]) if len(args.what) == 2 else ("results", args.what[0])
    if kind not in ("results", "registrations", "template") or len(args.what) > 2:
        print(
            "Usage: healthcamp import [results|registrations] FILE --programme ID --as USERNAME\n"
            "       healthcamp import template FILE.csv|FILE.xlsx --kind results|registrations "
            "--programme ID --as USERNAME",
            file=sys.stderr,
        )
        return 2
    if not args.as_staff:
        print("Say who is importing: --as USERNAME (or set HEALTHCAMP_STAFF).", file=sys.stderr)
        return 2
    actor = actor_named(args.as_staff)
    if actor is None:
        print(f"No active staff member is called {args.as_staff!r}.", file=sys.stderr)
        return 2
    if kind == "template":
        return _import_template(actor, args, Path(path))
    try:
        # Forms are few and read whole; a lab's file is only opened here (so a missing or
        # unreadable one is said at once) and then streamed from its path by the import.
        with Path(path).open("rb") as opened:
            data = opened.read() if kind == "registrations" else b""
    except OSError as error:
        print(f"Cannot read {path}: {error.strerror}.", file=sys.stderr)
        return 2
    report = Path(args.report or f"{path}.problems.csv")
    run = _import_registrations if kind == "registrations" else _import_results
    try:
        return run(args, actor, path, data)
    except FileRefused as error:
        print(f"{path}: refused: {error.message}", file=sys.stderr)
        return 1
    except ProblemsFound as found:
        return _problems_listed(found.problems, report)
    except AccessError as error:
        print(str(error), file=sys.stderr)
        return 2


def _progress_bar() -> Any:
    from rich.console import Console
    from rich.progress import Progress

    return Progress(console=Console(stderr=True), transient=True)


def _import_results(args: argparse.Namespace, actor: Any, path: str, _data: bytes) -> int:
    from healthcamp.imports.problems import ProblemsFound
    from healthcamp.imports.results import results_check, results_import

    if args.dry_run:
        problems = results_check(
            actor=actor,
            programme_id=args.programme,
            path=path,  # streamed from the file, read twice (not the bytes held)
            encoding=args.encoding,
            site_id=args.site,
        ).problems
        if not problems:
            print(f"{path}: no problems found; nothing was written (--dry-run).")
            return 0
        raise ProblemsFound(problems)
    with _progress_bar() as progress:
        task = progress.add_task("Importing", total=None)
        summary = results_import(
            actor=actor,
            programme_id=args.programme,
            path=path,  # streamed from the file, read twice (not the bytes held)
            encoding=args.encoding,
            site_id=args.site,
            source=args.source,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if summary.nothing_new:
        print(f"Nothing new: all {summary.rows} row(s) of {path} were already in.")
        return 0
    print(
        f"Imported {summary.written} value(s) for {summary.people} participant(s) "
        f"({summary.visits_started} new visit(s)); {summary.already_in} row(s) were already in."
    )
    for referred in summary.referred:
        print(f"Urgent referral opened: {referred}")
    return 0


def _import_registrations(args: argparse.Namespace, actor: Any, path: str, data: bytes) -> int:
    from healthcamp.imports.problems import ProblemsFound
    from healthcamp.imports.registrations import registrations_check, registrations_import

    if args.dry_run:
        checked = registrations_check(
            actor=actor, programme_id=args.programme, data=data, encoding=args.encoding
        )
        if checked.problems:
            raise ProblemsFound(checked.problems)
        print(
            f"{path}: no problems found; {len(checked.new)} form(s) would register someone, "
            f"{len(checked.rows) - len(checked.new)} already in; nothing was written "
            "(--dry-run)."
        )
        return 0
    with _progress_bar() as progress:
        task = progress.add_task("Registering", total=None)
        summary = registrations_import(
            actor=actor,
            programme_id=args.programme,
            data=data,
            encoding=args.encoding,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if summary.nothing_new:
        print(f"Nothing new: all {summary.rows} form(s) of {path} were already in.")
        return 0
    print(
        f"Registered {summary.registered} participant(s) from paper forms; "
        f"{summary.already_in} form(s) were already in. Hand each person the card of "
        "their form:"
    )
    for reference, card in summary.cards:
        print(f"form {reference}: card {card}")
    return 0


def build_parser() -> argparse.ArgumentParser:  # noqa: PLR0915 - one parser per command
    parser = argparse.ArgumentParser(prog="healthcamp", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("demo", help="set up a sample programme and serve it")
    p.add_argument("--participants", type=int, default=300)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-serve", action="store_true", help="seed only, do not start the server")

    p = commands.add_parser("serve", help="serve the web pages and API with gunicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2)

    commands.add_parser("migrate", help="create or update the database tables")

    staff = commands.add_parser("staff", help="manage staff members")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    p = staff_commands.add_parser("add", help="add a staff member; prints an API token last")
    p.add_argument("name")
    p.add_argument("--role", required=True)
    p.add_argument(
        "--password-env",
        metavar="VAR",
        help="read the web password from this environment variable (default: generate one)",
    )
    p.add_argument(
        "--programme",
        type=int,
        action="append",
        default=[],
        metavar="ID",
        help="a programme they work for (repeat for several)",
    )
    p = staff_commands.add_parser("tokens", help="list a member's API tokens (never the secret)")
    p.add_argument("name")
    p = staff_commands.add_parser("revoke", help="revoke a member's API tokens (all by default)")
    p.add_argument("name")
    p.add_argument("--token", metavar="LABEL", help="only the token with this name")
    p = staff_commands.add_parser("token", help="make another API token for a member")
    p.add_argument("name")
    p.add_argument("--label", required=True, help="a name for it, e.g. 'tablet 3'")
    p = staff_commands.add_parser("deactivate", help="a member who leaves: no log-in, no tokens")
    p.add_argument("name")

    p = commands.add_parser("backup", help="write an encrypted, checksummed snapshot")
    p.add_argument("file")
    p = commands.add_parser("restore", help="restore a snapshot, then re-apply erasures")
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    keys = commands.add_parser("keys", help="the vault's keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    keys_commands.add_parser("rotate", help="re-wrap all data keys under a new key")

    _report_parser(commands)
    _import_parser(commands)
    p = commands.add_parser("bench", help="measure guarded reads and audit verification")
    p.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--rounds", type=int, default=3)

    audit = commands.add_parser("audit", help="the tamper-evident audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    audit_commands.add_parser(
        "verify",
        help="check the entries added since the last verification (the chain, each MAC, "
        "the Merkle tree against every signed checkpoint)",
    ).add_argument("--full", action="store_true", help="check every entry, not only new ones")
    audit_commands.add_parser("checkpoint", help="sign a checkpoint of the log now and print it")
    audit_commands.add_parser("public-key", help="print the key that checks the checkpoints")
    p = audit_commands.add_parser("prove", help="an entry's inclusion proof, as JSON")
    p.add_argument("seq", type=int)
    p = audit_commands.add_parser("consistency", help="a proof that one checkpoint extends another")
    p.add_argument("old_size", type=int)
    p.add_argument("new_size", type=int)
    return _with_witness_commands(parser, commands)


def _with_witness_commands(
    parser: argparse.ArgumentParser, commands: Any
) -> argparse.ArgumentParser:
    # Like the witness, compiling the translations needs no database.
    commands.add_parser(
        "compilemessages", help="compile the translations in locale/ (needs GNU gettext)"
    )
    witness = commands.add_parser(
        "witness", help="cosign a log's checkpoints from another machine (no database needed)"
    )
    witness_commands = witness.add_subparsers(
        dest="witness_command", required=True, metavar="ACTION"
    )
    p = witness_commands.add_parser("init", help="make this witness's key; print its verifier key")
    p.add_argument("--name", required=True, help="the witness's name, e.g. ethics-board.example")
    p.add_argument("--state", required=True, metavar="DIR", help="the witness's own folder")
    p = witness_commands.add_parser(
        "run", help="fetch, check and cosign the log's newest checkpoint (exit 3: refused)"
    )
    p.add_argument("--state", required=True, metavar="DIR", help="the witness's own folder")
    p.add_argument("--log", required=True, metavar="URL", help="the log's server, https://...")
    p.add_argument(
        "--log-key", required=True, metavar="VERIFIER_KEY", help="`healthcamp audit public-key`"
    )
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.add_argument("--interval", type=float, default=60.0, metavar="SECONDS", help="between rounds")
    return parser


def witness_command(args: argparse.Namespace) -> int:
    """Without Django: a witness runs on a machine that has no healthcamp database."""
    from pathlib import Path

    from healthcamp.audit import witness

    state = Path(args.state)
    if args.witness_command == "init":
        try:
            key = witness.init(name=args.name, state_dir=state)
        except (witness.WitnessError, OSError) as error:
            print(str(error), file=sys.stderr)
            return witness.EXIT_USAGE
        print(
            f"Witness key made in {state / witness.KEY_FILE} (keep it private). Give the log's "
            "operator this verifier key, to add to HEALTHCAMP_AUDIT_WITNESSES:"
        )
        print(key)
        return 0
    if args.interval <= 0:
        print("--interval is a number of seconds above 0.", file=sys.stderr)
        return witness.EXIT_USAGE
    return witness.run(
        state_dir=state,
        log_url=args.log,
        log_key=args.log_key,
        once=args.once,
        interval=args.interval,
    )


def report_command(args: argparse.Namespace) -> int:
    """`report backfill`: decide and keep the facts of visits recorded before the reports
    existed, and every person's current consent answers (once, after upgrading)."""
    from healthcamp.reports import consents
    from healthcamp.services import visit_facts

    visits = visit_facts.backfill()
    people = consents.rebuild()
    print(f"Report facts written for {visits} visit(s); current consent kept for {people} people.")
    return 0


def staff(args: argparse.Namespace) -> int:
    if args.staff_command == "tokens":
        return staff_tokens_command(name=args.name)
    if args.staff_command == "revoke":
        return staff_revoke_command(name=args.name, label=args.token)
    if args.staff_command == "token":
        return staff_token_add_command(name=args.name, label=args.label)
    if args.staff_command == "deactivate":
        return staff_deactivate_command(name=args.name)
    return staff_add_command(
        name=args.name,
        role=args.role,
        password_env=args.password_env,
        programme_ids=args.programme,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "witness":
        return witness_command(args)  # before Django: the witness has no database
    if args.command == "compilemessages":
        return compile_messages_command(quiet=False)
    if args.command in ("demo", "serve"):
        # Fresh translations before a server reads them; compiled on `./run` already.
        compile_messages_command(quiet=True)
    return _main_with_django(args)


def compile_messages_command(*, quiet: bool) -> int:
    from healthcamp.lib.message_catalogues import CatalogueError, compile_catalogues

    try:
        made = compile_catalogues()
    except CatalogueError as error:
        print(f"{error}\nThe pages are shown in English until then.", file=sys.stderr)
        return 2
    if not quiet:
        print(f"Compiled {len(made)} translation catalogue(s); the others were up to date.")
    return 0


def _main_with_django(args: argparse.Namespace) -> int:
    from django.core.exceptions import ImproperlyConfigured

    if args.command == "demo":
        # A local sample with printed passwords: the app code would only stand in the way.
        os.environ.setdefault("HEALTHCAMP_STAFF_2FA", "false")

    try:
        _setup_django()
    except ImproperlyConfigured as error:
        print(f"healthcamp is not configured correctly: {error}", file=sys.stderr)
        return 2
    if args.command == "demo":
        if args.participants < 0:
            print("--participants cannot be negative.", file=sys.stderr)
            return 2
        return demo(
            participants_count=args.participants,
            host=args.host,
            port=args.port,
            run_server=not args.no_serve,
        )
    if args.command == "serve":
        return serve(host=args.host, port=args.port, workers=args.workers)
    if args.command == "migrate":
        _migrate()
        return 0
    if args.command in ("staff", "report"):
        return staff(args) if args.command == "staff" else report_command(args)
    if args.command in ("audit", "import"):
        return audit_command(args) if args.command == "audit" else import_command(args)
    if args.command == "backup":
        return backup_command(path=args.file)
    if args.command == "restore":
        return restore_command(path=args.file, yes=args.yes)
    if args.command == "keys":
        return rotate_command()
    if args.command == "bench":
        return bench(extra=["--engine", args.engine, "--rounds", str(args.rounds)])
    return 2  # argparse already refused anything else


if __name__ == "__main__":
    sys.exit(main())
