// The Notes tab of the member record (extension point "member.tabs", see
// modules/members/detail.js): add a note; its author or an admin edits or
// deletes it (with a reason); admins see earlier versions.

import { api, ApiError } from "../../core/api.js";
import { clean, focusSoon, inlineForm, pick, requireFields, say } from "../../core/forms.js";
import { humanize, options } from "../../core/format.js";
import { saveFailed } from "../../core/conflict.js";
import { pager, loadInto, loadMoreInto } from "../../core/paging.js";

export const NOTE_CATEGORIES = ["general", "contact", "dues", "grievance", "referral", "benevolence"];
export const NOTE_VISIBILITY = ["staff_only", "officers", "all_authorized"];
export const NOTE_VISIBILITY_LABELS = {
  staff_only: "Only me (and administrators)",
  officers: "Officers",
  all_authorized: "All staff who can read notes",
};

export function notesTab() {
  return {
    notes: pager(),
    newNote: { text: "", category: "general", visibility: "staff_only" },
    noteErrors: {},
    noteError: "",
    noteCategories: options(NOTE_CATEGORIES),
    noteVisibility: options(NOTE_VISIBILITY, NOTE_VISIBILITY_LABELS),
    noteChange: inlineForm(),
    noteVersions: {},

    moreNotes() {
      return loadMoreInto(this.notes, `/members/${encodeURIComponent(this.id)}/notes`);
    },
    loadNotes() {
      return loadInto(this.notes, `/members/${encodeURIComponent(this.id)}/notes`);
    },
    async addNote() {
      this.noteErrors = requireFields(this.newNote, ["text"]);
      this.noteError = Object.keys(this.noteErrors).length ? "Write a note first." : "";
      if (this.noteError) return;
      this.busy = true;
      try {
        await api.post(`/members/${encodeURIComponent(this.id)}/notes`, clean(this.newNote));
        this.newNote = { text: "", category: this.newNote.category, visibility: this.newNote.visibility };
        say("Note added.");
        await this.loadNotes();
      } catch (err) {
        this.noteErrors = err instanceof ApiError ? err.fieldMap() : {};
        this.noteError = err.message;
      } finally {
        this.busy = false;
      }
    },
    visibilityLabel(v) {
      return NOTE_VISIBILITY_LABELS[v] || humanize(v);
    },
    /** Open the inline edit ("edit") or delete ("delete") form of one note. */
    openNote(n, mode) {
      this.noteChange = {
        ...inlineForm(), id: n.id, mode,
        form: mode === "edit" ? pick(n, ["text", "category", "visibility"]) : { reason: "" },
      };
      focusSoon(this, `note-${mode}-${mode === "edit" ? "text" : "reason"}-${n.id}`);
    },
    closeNote() {
      const id = this.noteChange.id;
      this.noteChange = inlineForm();
      focusSoon(this, `note-actions-${id}`);
    },
    async saveNote(n) {
      const c = this.noteChange;
      const required = c.mode === "edit" ? ["text"] : ["reason"];
      c.errors = requireFields(c.form, required);
      c.error = Object.keys(c.errors).length
        ? (c.mode === "edit" ? "The note cannot be empty." : "Give a reason for deleting this note.") : "";
      if (c.error) return;
      this.busy = true;
      const path = `/members/${encodeURIComponent(this.id)}/notes/${encodeURIComponent(n.id)}`;
      try {
        if (c.mode === "edit") {
          await api.patch(path, { ...clean(c.form), version: n.version });
          say("Note saved. The earlier version is kept.");
        } else {
          await api.del(path, { reason: c.form.reason.trim(), version: n.version });
          say("Note deleted.");
        }
        this.noteChange = inlineForm();
        delete this.noteVersions[n.id];
        this.recordChanged();
        await this.loadNotes();
      } catch (err) {
        await saveFailed(c, err, { what: "note", reload: () => this.loadNotes() });
      } finally {
        this.busy = false;
      }
    },
    /** Admins: earlier versions of a note (GET …/history, an audited read), shown under the note. */
    async toggleVersions(n) {
      if (this.noteVersions[n.id]) {
        delete this.noteVersions[n.id];
        return;
      }
      this.noteVersions[n.id] = { loading: true, items: [], error: "" };
      try {
        const res = await api.get(`/members/${encodeURIComponent(this.id)}/notes/${encodeURIComponent(n.id)}/history`);
        this.noteVersions[n.id] = { loading: false, items: (res.versions || []).slice().reverse(), error: "" };
        say(`${res.versions.length} earlier version${res.versions.length === 1 ? "" : "s"}.`);
      } catch (err) {
        this.noteVersions[n.id] = { loading: false, items: [], error: err.message };
      }
    },
  };
}
