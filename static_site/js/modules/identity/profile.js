// #/profile: "My profile", the member's own record; contact fields editable
// (PATCH /me), and the member's employment.

import { api } from "../../core/api.js";
import { base, compose, store } from "../../core/forms.js";
import { pager, loadInto, loadMoreInto } from "../../core/paging.js";
import { recordEditor } from "../../core/record-editor.js";
import { MEMBER_FIELDS, MEMBER_GROUPS, displayFields, displayValue } from "../members/model.js";

export function profileView() {
  return compose(base(), recordEditor(), {
    record: null,
    loading: true,
    loadError: "",
    groups: MEMBER_GROUPS,
    employment: pager(),

    init() {
      this.load();
    },
    async fetchRecord() {
      const me = await api.get("/me");
      store("session").member = me.member || null;
      return me.member;
    },
    async load() {
      this.loading = true;
      this.loadError = "";
      try {
        this.record = await this.fetchRecord();
        if (this.record) this.loadEmployment();
      } catch (err) {
        this.loadError = err.message;
      } finally {
        this.loading = false;
      }
    },
    loadEmployment() {
      return loadInto(this.employment, `/members/${encodeURIComponent(this.record.id)}/employment`);
    },
    moreEmployment() {
      return loadMoreInto(this.employment, `/members/${encodeURIComponent(this.record.id)}/employment`);
    },
    displayFields(group) {
      return displayFields(this.record, group);
    },
    editFields() {
      return this.can("profile.edit") ? MEMBER_FIELDS.filter((f) => f.self) : [];
    },
    /** After a conflict the banner names every member field the other person changed. */
    conflictNames() {
      return MEMBER_FIELDS.map((f) => f.name);
    },
    display(field) {
      return displayValue(this.record, field);
    },
    submitPatch(body) {
      return api.patch("/me", body);
    },
    afterSave() {
      store("session").member = this.record;
    },
  });
}
