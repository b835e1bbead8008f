// #/members/{id}: the member record. Details (edit, status actions, delete /
// restore) live here; the other tabs come from other modules through the
// extension point "member.tabs". A tab is
//
//   { id, label, order, cap?,          cap: shown only to users with it
//     template: "file.html",           its role=tabpanel element (id "panel-<id>",
//                                      aria-labelledby "tab-<id>", x-show="tab === '<id>'")
//     state: () => ({ … }),            mixed into this component (names must not clash)
//     onSelect(),                      called (this = the component) when the tab is selected
//     onRecordChanged() }              called after the member record changed (save, status, delete…)
//
// A tab's state and template can use what this component offers: id (the
// member id), record, busy, can(cap), recordChanged(), and the base() helpers.

import { api } from "../../core/api.js";
import { extensions } from "../../core/extensions.js";
import { base, compose, requireFields, say, store } from "../../core/forms.js";
import { fullName, humanize } from "../../core/format.js";
import { saveFailed } from "../../core/conflict.js";
import { recordEditor } from "../../core/record-editor.js";
import { tabKeys } from "../../core/tabs.js";
import { MEMBER_FIELDS, MEMBER_GROUPS, STATUS_ACTIONS, displayFields, displayValue } from "./model.js";

const DETAILS_TAB = { id: "details", label: "Details" };

export function memberDetailView() {
  const tabs = extensions("member.tabs");
  return compose(base(), recordEditor(), ...tabs.map((t) => (t.state ? t.state() : {})), {
    id: "",
    record: null,
    loading: true,
    loadError: "",
    loadStatus: 0,
    tab: "details",
    groups: MEMBER_GROUPS,
    statusChange: { action: "", reason: "", errors: {}, error: "" },
    deletion: { reason: "", errors: {}, error: "" },
    busy: false,

    init() {
      this.id = store("route").current.params.id;
      this.load();
    },
    /** The tabs this user sees, in order: Details, then those other modules add. */
    get tabList() {
      return [DETAILS_TAB, ...tabs.filter((t) => !t.cap || this.can(t.cap))];
    },
    get tabs() {
      return this.tabList.map((t) => t.id);
    },
    async fetchRecord() {
      return api.get(`/members/${encodeURIComponent(this.id)}`);
    },
    async load() {
      this.loading = true;
      this.loadError = "";
      try {
        this.record = await this.fetchRecord();
        document.title = `${fullName(this.record)} · UnionCore`;
      } catch (err) {
        this.loadStatus = err.status;
        this.loadError = err.status === 403
          ? "You don't have access to this member's record."
          : err.status === 404 ? "No member with this ID exists." : err.message;
      } finally {
        this.loading = false;
      }
    },
    /** The record changed (here or in a tab): tabs that show derived data reload when next shown. */
    recordChanged() {
      for (const t of tabs) if (t.onRecordChanged) t.onRecordChanged.call(this);
    },
    /** After a conflict: the latest record (from the 409 answer, else fetched). */
    async showLatest(current) {
      this.record = current || (await this.fetchRecord());
    },
    displayFields(group) {
      return displayFields(this.record, group);
    },
    editFields() {
      return MEMBER_FIELDS.filter((f) => f.cap && this.can(f.cap) && (!f.restricted || (this.record && f.name in this.record)));
    },
    /** After a conflict the banner names every member field the other person changed. */
    conflictNames() {
      return MEMBER_FIELDS.map((f) => f.name);
    },
    editGroupFields(group) {
      return this.editFields().filter((f) => f.group === group);
    },
    get canEdit() {
      return this.editFields().length > 0 && this.record && !this.record.deleted_at;
    },
    display(field) {
      return displayValue(this.record, field);
    },
    submitPatch(body) {
      return api.patch(`/members/${encodeURIComponent(this.id)}`, body);
    },
    afterSave() {
      this.recordChanged();
    },

    // ---- tabs
    selectTab(name) {
      this.tab = name;
      const t = tabs.find((x) => x.id === name);
      if (t && t.onSelect) t.onSelect.call(this);
    },
    tabKeydown(event) {
      tabKeys(event, this.tabs, (t) => this.selectTab(t));
    },

    // ---- membership status (named actions)
    get statusActions() {
      if (!this.record) return [];
      return STATUS_ACTIONS.filter((a) => a.from.includes(this.record.status) && this.can(a.cap));
    },
    async changeStatus() {
      const s = this.statusChange;
      s.errors = requireFields(s, ["action", "reason"]);
      s.error = Object.keys(s.errors).length ? "Choose an action and give a reason." : "";
      if (s.error) return;
      this.busy = true;
      try {
        this.record = await api.post(`/members/${encodeURIComponent(this.id)}/status`, {
          action: s.action, reason: s.reason.trim(), version: this.record.version,
        });
        this.statusChange = { action: "", reason: "", errors: {}, error: "" };
        this.recordChanged();
        say(`Status is now ${humanize(this.record.status)}.`);
      } catch (err) {
        await saveFailed(s, err, { what: "record", reload: (current) => this.showLatest(current) });
      } finally {
        this.busy = false;
      }
    },

    // ---- delete / restore
    async remove() {
      const d = this.deletion;
      d.errors = {};
      d.error = "";
      if (!d.reason.trim()) {
        d.error = "Give a reason for deleting this record.";
        return;
      }
      this.busy = true;
      try {
        this.record = await api.del(`/members/${encodeURIComponent(this.id)}`, {
          reason: d.reason.trim(), version: this.record.version,
        });
        d.reason = "";
        this.recordChanged();
        say("Member record deleted. It can be restored.");
      } catch (err) {
        await saveFailed(d, err, { what: "record", reload: (current) => this.showLatest(current) });
      } finally {
        this.busy = false;
      }
    },
    async restore() {
      const d = this.deletion;
      this.busy = true;
      d.error = "";
      try {
        this.record = await api.post(`/members/${encodeURIComponent(this.id)}/restore`, { version: this.record.version });
        this.recordChanged();
        say("Member record restored.");
      } catch (err) {
        await saveFailed(d, err, { what: "record", reload: (current) => this.showLatest(current) });
      } finally {
        this.busy = false;
      }
    },
  });
}
