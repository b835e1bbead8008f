"""`unioncore` admin CLI: the same services the API calls, run by an operator.

Environment as for the API (TABLE_NAME, USER_POOL_ID, USER_POOL_CLIENT_ID, AWS credentials/region;
AWS_ENDPOINT_URL for the local runtime).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from chalicelib.core.audit import SYSTEM
from chalicelib.core.roles import Role
from chalicelib.core.errors import AppError
from chalicelib.audit import integrity as audit_integrity
from chalicelib.core.context import Caller, Ctx
from chalicelib.core.store import Store, get_store


def _seed(args: argparse.Namespace) -> int:
    from chalicelib.demo.seed import DemoDataRefused, refuse_outside_local_stages, seed_demo

    try:
        refuse_outside_local_stages()  # before generating anything
    except DemoDataRefused as exc:
        print(json.dumps({"error": {"code": "DEMO_DATA_REFUSED", "message": str(exc)}}), file=sys.stderr)
        return 2
    if args.fixtures:
        report = seed_demo(get_store(), Path(args.fixtures), months_of_history=args.months)
    else:  # the project's own demo exports, generated for this run
        import tempfile

        from chalicelib.imports.demo_exports import generate

        with tempfile.TemporaryDirectory(prefix="unioncore-demo-exports-") as folder:
            generate(Path(folder), scale=args.scale)
            report = seed_demo(get_store(), Path(folder), months_of_history=args.months)
    print(json.dumps(report.__dict__))
    return 0


def _invite(args: argparse.Namespace) -> int:
    from chalicelib.identity import users
    from chalicelib.identity.schemas import UserInvite

    ctx = Ctx(store=get_store(), caller=Caller(SYSTEM))
    user = users.invite(ctx, UserInvite(email=args.email, roles=[Role(r) for r in args.role],
                                              member_id=args.member_id))
    print(json.dumps(users.user_json(user)))
    return 0


def _list_users(args: argparse.Namespace) -> int:
    from chalicelib.identity import users

    ctx = Ctx(store=get_store(), caller=Caller(SYSTEM))
    cursor = None
    while True:
        page = users.list_users(ctx, 500, cursor)
        for u in page.items:
            print(json.dumps(users.user_json(u)))
        cursor = page.next_cursor
        if not cursor:
            return 0


def _member_markers(store: Store) -> tuple[int, int]:
    """Every member's card-number marker points back at it (uniqueness rule intact)."""
    from chalicelib.members import store as members_repo

    checked, problems, cursor = 0, 0, None
    while True:
        page = members_repo.search(store, members_repo.MemberQuery(include_deleted=True), 500, cursor)
        for m in page.items:
            checked += 1
            owner = members_repo.get_by_number(store, m.member_number)
            if owner is None or owner.id != m.id:
                problems += 1
                print(f"card {m.member_number}: marker does not point at member {m.id}", file=sys.stderr)
        cursor = page.next_cursor
        if not cursor:
            return checked, problems


def _audit_range(args: argparse.Namespace) -> tuple[date, date]:
    end = args.to or datetime.now(UTC).date() - timedelta(days=1)
    days = audit_integrity.NIGHTLY_VERIFY_DAYS - 1
    start = args.from_ or (end - timedelta(days=days) if end.toordinal() > days else end)
    audit_integrity.check_range(start, end)
    return start, end


def _integrity(args: argparse.Namespace) -> int:
    """Uniqueness markers against member records, and the audit trail's seals and hash chain."""
    store = get_store()
    out: dict[str, object] = {}
    problems = 0
    if not args.audit_only:
        checked, problems = _member_markers(store)
        out.update(members_checked=checked, problems=problems)
    if not args.members_only:
        start, end = _audit_range(args)
        archive = audit_integrity.configured_archive() if args.archive else None
        if args.archive and archive is None:
            print("no audit archive: set AUDIT_ARCHIVE_BUCKET", file=sys.stderr)
            return 2
        report = audit_integrity.verify(store, start, end, archive)
        for f in report.findings:
            print(f"audit {f.day.isoformat()}: {f.kind.value} {f.entry_id or ''} {f.detail}".rstrip(), file=sys.stderr)
        body = report.as_json()
        body.pop("days")
        out["audit"] = body
        problems += len(report.findings)
    print(json.dumps(out))
    return 1 if problems else 0


def _archive_backfill(args: argparse.Namespace) -> int:
    """Copy the audit entries and seals of a range of days from the table to the write-once archive (days
    written before the archive existed); objects already archived are left as they are."""
    from chalicelib.audit.archive import backfill

    archive = audit_integrity.configured_archive()
    if archive is None:
        print("no audit archive: set AUDIT_ARCHIVE_BUCKET", file=sys.stderr)
        return 2
    start, end = _audit_range(args)
    created, day = 0, start
    while day <= end:
        created += backfill(get_store(), archive, day)
        day += timedelta(days=1)
    print(json.dumps({"from": start.isoformat(), "to": end.isoformat(), "archived": created}))
    return 0


def _seal(args: argparse.Namespace) -> int:
    """Seal every settled UTC day after the chain's last seal (what the nightly job does first)."""
    outcomes = audit_integrity.seal_due(get_store(), datetime.now(UTC))
    print(json.dumps({"sealed": [{"day": o.seal.day.isoformat(), "entries": o.seal.count, "hash": o.seal.hash}
                                 for o in outcomes if o.written]}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="unioncore", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("seed", help="load the demo data (generated LaborPower exports, or --fixtures)")
    p.add_argument("--fixtures", help="folder of LaborPower exports (default: generate the demo exports)")
    p.add_argument("--scale", type=float, default=1.0, help="scale of the generated demo exports")
    p.add_argument("--months", type=int, default=12)
    p.set_defaults(fn=_seed)
    p = sub.add_parser("users", help="user administration")
    usub = p.add_subparsers(dest="users_command", required=True)
    q = usub.add_parser("invite", help="invite a user (temporary password by e-mail)")
    q.add_argument("--email", required=True)
    q.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    q.add_argument("--member-id")
    q.set_defaults(fn=_invite)
    q = usub.add_parser("list", help="list users as JSON lines")
    q.set_defaults(fn=_list_users)
    p = sub.add_parser("integrity", help="check uniqueness markers and the audit trail's seals and hash chain")
    p.add_argument("--from", dest="from_", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="first UTC day of the audit check (default: 31 days up to --to)")
    p.add_argument("--to", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="last UTC day of the audit check (default: yesterday)")
    p.add_argument("--archive", action="store_true",
                   help="also compare the table with the write-once audit archive (AUDIT_ARCHIVE_BUCKET)")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--members-only", action="store_true")
    only.add_argument("--audit-only", action="store_true")
    p.set_defaults(fn=_integrity)
    p = sub.add_parser("seal-audit", help="seal the finished UTC days of the audit trail (the nightly job)")
    p.set_defaults(fn=_seal)
    p = sub.add_parser("archive-audit", help="copy days of the audit trail to the write-once archive (backfill)")
    p.add_argument("--from", dest="from_", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="first UTC day (default: 31 days up to --to)")
    p.add_argument("--to", type=date.fromisoformat, metavar="YYYY-MM-DD", help="last UTC day (default: yesterday)")
    p.set_defaults(fn=_archive_backfill)
    args = parser.parse_args(argv)
    try:
        return int(args.fn(args))
    except AppError as err:
        print(json.dumps(err.body()), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
