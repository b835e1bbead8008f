"""Reading the audit trail (modules.md §16.4): by entity and by actor (the admin CSV export is a
background job: audit/exports.py).

Every read path shows entries through `core.audit.shown_to`: the records' own read rules (notes'
visibility, restricted demographics) and the sensitive keys apply to the audit trail as they do to the
records (docs/audit.md "Read rules")."""

from __future__ import annotations

from typing import Any

# The modules whose records have audit read rules: imported here so that their rules are registered
# before any entry is shown, whatever else the process has imported.
import chalicelib.members.domain  # noqa: F401
import chalicelib.notes.domain  # noqa: F401
from chalicelib.core.audit import AuditEntry, Reader, shown_to
from chalicelib.core.roles import OFFICERS
from chalicelib.core.errors import FieldProblem, bad_request, forbidden
from chalicelib.core.context import Ctx
from chalicelib.audit import store as repo
from chalicelib.core.store import Page


def reader_of(ctx: Ctx) -> Reader:
    return Reader(ctx.caller.id, ctx.caller.roles)


def _shown(ctx: Ctx, page: Page[AuditEntry]) -> dict[str, Any]:
    reader = reader_of(ctx)
    return {"items": [shown_to(e, reader) for e in page.items], "next_cursor": page.next_cursor}


def query(ctx: Ctx, entity_type: str | None, entity_id: str | None, actor_id: str | None,
          limit: int, cursor: str | None) -> dict[str, Any]:
    officer_view = ctx.caller.has_any(*OFFICERS)
    if entity_type and entity_id:
        page = repo.by_entity(ctx.store, entity_type, entity_id, limit, cursor)
        if not officer_view:
            # Staff roles see entries about their own actions only (§16.4).
            page = Page([e for e in page.items if e.actor_id == ctx.caller.actor.id], page.next_cursor)
        return _shown(ctx, page)
    if actor_id or not officer_view:
        target = actor_id or ctx.caller.actor.id
        if target != ctx.caller.actor.id and not officer_view:
            raise forbidden("You can see entries about your own actions only.")
        return _shown(ctx, repo.by_actor(ctx.store, target, limit, cursor))
    raise bad_request("Say which record or which actor.",
                      FieldProblem("entity_id", "required with entity_type, unless actor_id is given"))
