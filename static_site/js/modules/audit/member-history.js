// The History tab of the member record (extension point "member.tabs", see
// modules/members/detail.js): the member's audit trail
// (GET /audit?entity_type=member&entity_id=…), reads hidden unless
// "Include views" is ticked.

import { api } from "../../core/api.js";
import { pager } from "../../core/paging.js";
import { AUDIT_ENTITY_MEMBER, auditChanges, auditSummary } from "./format.js";

export function memberHistoryTab() {
  return {
    history: { ...pager(), includeReads: false },
    auditChanges,
    auditSummary,

    get visibleHistory() {
      return this.history.includeReads
        ? this.history.items
        : this.history.items.filter((e) => e.action !== "READ" && e.action !== "BULK_READ");
    },
    async loadHistory(more = false) {
      this.history.loading = true;
      this.history.error = "";
      try {
        const res = await api.get("/audit", {
          entity_type: AUDIT_ENTITY_MEMBER,
          entity_id: this.id,
          limit: 50,
          cursor: more ? this.history.next_cursor : null,
        });
        this.history.items = more ? this.history.items.concat(res.items || []) : res.items || [];
        this.history.next_cursor = res.next_cursor || null;
        this.history.loaded = true;
      } catch (err) {
        this.history.error = err.status === 403 ? "You don't have access to the audit history." : err.message;
      } finally {
        this.history.loading = false;
      }
    },
  };
}
