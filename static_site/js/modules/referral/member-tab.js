// The Qualifications tab of the member record (extension point "member.tabs",
// see modules/members/detail.js): one row per book the member qualifies for,
// with its tier; hall staff record a new one or change a tier (reason
// required, audited; a change is sent with the version shown).

import { api, ApiError } from "../../core/api.js";
import { focusSoon, inlineForm, requireFields, say } from "../../core/forms.js";
import { saveFailed } from "../../core/conflict.js";
import { pager, loadInto } from "../../core/paging.js";

const today = () => new Date().toLocaleDateString("en-CA", { timeZone: "America/Los_Angeles" });
const blank = () => ({ book_code: "", tier: "1", qualified_on: today(), reason: "" });

export function qualificationsTab() {
  return {
    qualifications: pager(),
    books: [],
    qualificationForm: { ...inlineForm(), form: blank(), version: null },

    async loadQualifications() {
      await loadInto(this.qualifications, `/members/${encodeURIComponent(this.id)}/qualifications`);
      if (this.can("qualifications.edit") && !this.books.length) {
        try {
          this.books = (await api.get("/books")).items || [];
        } catch (err) {
          this.qualificationForm.error = `Could not load the books: ${err.message}`;
        }
      }
    },
    bookName(code) {
      const book = this.books.find((b) => b.code === code);
      return book ? book.name : code;
    },
    tierChoices() {
      const book = this.books.find((b) => b.code === this.qualificationForm.form.book_code);
      return Array.from({ length: book ? book.max_tiers : 4 }, (_, i) => String(i + 1));
    },
    editQualification(q) {
      this.qualificationForm = {
        ...inlineForm(), version: q.version,
        form: { book_code: q.book_code, tier: String(q.tier), qualified_on: q.qualified_on, reason: "" },
      };
      focusSoon(this, "qualification-tier");
    },
    resetQualification() {
      this.qualificationForm = { ...inlineForm(), form: blank(), version: null };
    },
    async saveQualification() {
      const s = this.qualificationForm;
      s.errors = requireFields(s.form, ["book_code", "tier", "qualified_on", "reason"]);
      s.error = Object.keys(s.errors).length ? "Please fill in the required fields." : "";
      if (s.error) return;
      const existing = this.qualifications.items.find((q) => q.book_code === s.form.book_code);
      const body = { tier: Number(s.form.tier), qualified_on: s.form.qualified_on, reason: s.form.reason.trim(),
        version: s.version ?? (existing ? existing.version : null) };
      this.busy = true;
      try {
        await api.put(`/members/${encodeURIComponent(this.id)}/qualifications/${encodeURIComponent(s.form.book_code)}`, body);
        say("Qualification saved.");
        this.resetQualification();
        await this.loadQualifications();
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          await saveFailed(s, err, { what: "qualification", reload: () => this.loadQualifications() });
          s.version = null;
        } else {
          s.errors = err instanceof ApiError ? err.fieldMap() : {};
          s.error = err.message;
        }
      } finally {
        this.busy = false;
      }
    },
  };
}
