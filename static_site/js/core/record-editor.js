// Edit-in-place for a versioned record with optimistic locking (member,
// employer, my profile). The host component provides:
//
//   record            the record shown (with `version`)
//   editFields()      [{ name, label, ... }] the user may edit
//   submitPatch(body) PATCH with { version, ...changed fields } -> the updated record
//   fetchRecord()     GET the latest version
//   conflictNames()   optional: fields compared after a conflict (default: editFields)
//   afterSave(names)  optional: called after a successful save
//
// Templates: a form with `data-edit-form`, a button with `data-edit-button`,
// and <!-- include:conflict-banner --> (core/conflict.js has the 409 flow).

import { pick, clean, changedFields, say, store, viewRoot } from "./forms.js";
import { fieldLabel } from "./format.js";
import { isConflict, editConflict, latestVersion } from "./conflict.js";

function focusFirstInput() {
  const first = viewRoot().querySelector("[data-edit-form] input, [data-edit-form] select");
  if (first) first.focus();
}

function focusEditButton() {
  const btn = viewRoot().querySelector("[data-edit-button]");
  if (btn) btn.focus();
}

export function recordEditor() {
  return {
    editing: false,
    saving: false,
    form: {},
    conflict: null,

    editNames() {
      return this.editFields().map((f) => f.name);
    },
    /** Label of a field in the edit form (else the registered field label). */
    editLabel(name) {
      const field = this.editFields().find((f) => f.name === name);
      return field ? field.label : fieldLabel(name);
    },
    startEdit() {
      this.clearErrors();
      this.conflict = null;
      this.form = pick(this.record, this.editNames());
      this.editing = true;
      this.$nextTick(focusFirstInput);
    },
    cancelEdit() {
      this.editing = false;
      this.conflict = null;
      this.clearErrors();
      this.$nextTick(focusEditButton);
    },
    async save() {
      if (this.saving) return;
      store("notify").message = ""; // a stale "Changes saved." must not sit next to a new error
      this.clearErrors();
      this.conflict = null;
      const names = this.editNames();
      const changed = changedFields(this.record, this.form, names);
      if (!changed.length) {
        this.editing = false;
        say("No changes to save.");
        return;
      }
      const body = { version: this.record.version, ...clean(pick(this.form, changed)) };
      this.saving = true;
      try {
        this.record = await this.submitPatch(body);
        this.editing = false;
        if (this.afterSave) this.afterSave(changed);
        say("Changes saved.");
        this.$nextTick(focusEditButton);
      } catch (err) {
        if (isConflict(err)) {
          const compared = [...new Set((this.conflictNames ? this.conflictNames() : []).concat(names))];
          this.conflict = editConflict(err, this.record, compared, (n) => this.editLabel(n));
          this.$nextTick(() => {
            const banner = viewRoot().querySelector("[data-testid='conflict-banner']");
            if (banner) banner.focus();
          });
        } else {
          this.showError(err);
        }
      } finally {
        this.saving = false;
      }
    },
    /** After a 409: load the latest version; optionally keep my edits on top of it. */
    async reloadLatest(keepMine) {
      const names = this.editNames();
      const mine = pick(this.form, changedFields(this.record, this.form, names));
      let current;
      try {
        current = await latestVersion(this.conflict, () => this.fetchRecord());
      } catch (err) {
        this.showError(err);
        return;
      }
      this.record = current;
      this.form = pick(current, names);
      if (keepMine) Object.assign(this.form, mine);
      this.conflict = null;
      this.clearErrors();
      say(keepMine
        ? "Latest version loaded with your changes applied. Review and save."
        : "Latest version loaded.");
      this.$nextTick(focusFirstInput);
    },
  };
}
