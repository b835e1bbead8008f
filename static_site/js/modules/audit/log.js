// #/audit: the audit log by record or actor, and the CSV export (admins), which the API prepares as a
// background job: start it, show its progress, then offer the time-limited download link.

import { api } from "../../core/api.js";
import { base, compose, say, store } from "../../core/forms.js";
import { options } from "../../core/format.js";
import { pager } from "../../core/paging.js";
import { AUDIT_ENTITY_TYPES, auditChanges, auditSummary } from "./format.js";

const POLL_MS = [500, 1000, 1000, 2000]; // then every 2 s
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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
    exportErrors: {},
    exportError: "",
    exportJob: null,
    exportStarting: false,
    linkExpired: false,

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
    get exportActive() {
      const status = this.exportJob && this.exportJob.status;
      return this.exportStarting || status === "queued" || status === "running";
    },
    fileSize(bytes) {
      if (bytes < 1024) return `${bytes} bytes`;
      if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
      return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    },
    async exportCsv() {
      this.exportError = "";
      this.exportErrors = {};
      const { from, to } = this.exportRange;
      if (!from || !to) {
        this.exportErrors = { ...(!from && { from: "Choose the first day." }), ...(!to && { to: "Choose the last day." }) };
        this.exportError = "Choose both dates.";
        return;
      }
      this.exportStarting = true;
      try {
        this.exportJob = await api.post("/audit/exports", { from, to });
        this.linkExpired = false;
        say(this.exportJob.deduplicated ? "This export is already being prepared." : "Export started.");
        this.followExport(this.exportJob.id);
      } catch (err) {
        this.exportErrors = typeof err.fieldMap === "function" ? err.fieldMap() : {};
        this.exportError = err.message;
      } finally {
        this.exportStarting = false;
      }
    },
    async followExport(id) {
      for (let n = 0; this.exportJob && this.exportJob.id === id; n++) {
        const status = this.exportJob.status;
        if (status !== "queued" && status !== "running") break;
        await sleep(POLL_MS[Math.min(n, POLL_MS.length - 1)]);
        try {
          const job = await api.get(`/audit/exports/${encodeURIComponent(id)}`);
          if (this.exportJob && this.exportJob.id === id) this.exportJob = job;
        } catch (err) {
          if (err.status === 0) continue; // offline for a moment: keep following
          this.exportError = err.message;
          return;
        }
      }
      const job = this.exportJob;
      if (!job || job.id !== id) return;
      if (job.status === "succeeded") {
        say(`Audit export ready: ${job.rows_done} entries.`);
        this.expireLinkAt(job.download_expires_at);
      } else if (job.status === "failed") {
        this.exportError = job.error || "The export failed. Start it again.";
      }
    },
    expireLinkAt(when) {
      const ms = Date.parse(when) - Date.now() - 5000;
      setTimeout(() => { this.linkExpired = true; }, Math.max(0, ms));
    },
    async refreshLink() {
      if (!this.exportJob) return;
      try {
        this.exportJob = await api.get(`/audit/exports/${encodeURIComponent(this.exportJob.id)}`);
        this.linkExpired = false;
        this.expireLinkAt(this.exportJob.download_expires_at);
      } catch (err) {
        this.exportError = err.message;
      }
    },
  });
}
