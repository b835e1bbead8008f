// #/audit: the audit log by record or actor, CSV export (admins).

import { api } from "../../core/api.js";
import { base, compose, say, store } from "../../core/forms.js";
import { options } from "../../core/format.js";
import { pager } from "../../core/paging.js";
import { AUDIT_ENTITY_TYPES, auditChanges, auditSummary } from "./format.js";

function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function auditView() {
  const today = new Date();
  const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  const monthAgo = new Date(today.getTime() - 30 * 86400000);
  return compose(base(), {
    auditChanges,
    auditSummary,
    entityTypes: options(AUDIT_ENTITY_TYPES),
    filters: { entity_type: "", entity_id: "", actor_id: "" },
    list: pager(),
    exportRange: { from: iso(monthAgo), to: iso(today) },
    exporting: false,
    exportError: "",

    init() {
      const q = store("route").current.query || {};
      for (const k of Object.keys(this.filters)) if (q[k]) this.filters[k] = q[k];
      // Officers must say which record or actor; everyone else sees their own actions.
      if (!this.can("audit.any") || this.hasFilter()) this.search();
    },
    hasFilter() {
      return !!((this.filters.entity_type && this.filters.entity_id) || this.filters.actor_id);
    },
    myActions() {
      this.filters = { entity_type: "", entity_id: "", actor_id: store("session").user.id };
      this.search();
    },
    async search(more = false) {
      this.clearErrors();
      const f = this.filters;
      if (!more && (!!f.entity_type !== !!f.entity_id.trim())) {
        return this.localErrors(
          f.entity_type ? { entity_id: "Enter the record ID." } : { entity_type: "Choose the record type." },
          "Record type and record ID go together.",
        );
      }
      this.list.loading = true;
      try {
        const res = await api.get("/audit", {
          entity_type: f.entity_type, entity_id: f.entity_id.trim(), actor_id: f.actor_id.trim(),
          limit: 50, cursor: more ? this.list.next_cursor : null,
        });
        this.list.items = more ? this.list.items.concat(res.items || []) : res.items || [];
        this.list.next_cursor = res.next_cursor || null;
        this.list.loaded = true;
        if (!more) say(`${this.list.items.length}${this.list.next_cursor ? "+" : ""} audit entries.`);
      } catch (err) {
        if (!more) this.list.items = [];
        this.showError(err, { entity_type: "Record type", entity_id: "Record ID", actor_id: "Actor" });
      } finally {
        this.list.loading = false;
      }
    },
    entityHref(e) {
      if (e.entity_type === "member" && e.entity_id && e.entity_id !== "BULK") return `#/members/${encodeURIComponent(e.entity_id)}`;
      if (e.entity_type === "organization" && e.entity_id && e.entity_id !== "BULK") return `#/employers/${encodeURIComponent(e.entity_id)}`;
      return null;
    },
    async exportCsv() {
      this.exportError = "";
      if (!this.exportRange.from || !this.exportRange.to) {
        this.exportError = "Choose both dates.";
        return;
      }
      this.exporting = true;
      try {
        const blob = await api.download("/audit/export", { from: this.exportRange.from, to: this.exportRange.to });
        downloadBlob(blob, `audit-${this.exportRange.from}-to-${this.exportRange.to}.csv`);
        say("Audit export downloaded.");
      } catch (err) {
        this.exportError = err.message;
      } finally {
        this.exporting = false;
      }
    },
  });
}
