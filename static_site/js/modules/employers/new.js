// #/employers/new: create an employer (a duplicate name needs a confirmation).

import { api } from "../../core/api.js";
import { go } from "../../core/nav.js";
import { base, compose, compact, requireFields, say } from "../../core/forms.js";
import { EMPLOYER_FIELDS, EMPLOYER_LABELS } from "./model.js";

export function employerNewView() {
  const fields = EMPLOYER_FIELDS.filter((f) => f.create);
  return compose(base(), {
    fields,
    form: Object.fromEntries(fields.map((f) => [f.name, ""])),
    duplicateWarning: null,
    acknowledge: false,
    saving: false,
    async create() {
      this.clearErrors();
      const missing = requireFields(this.form, ["name"]);
      if (Object.keys(missing).length) return this.localErrors(missing);
      this.saving = true;
      try {
        const body = compact(this.form);
        if (this.duplicateWarning && this.acknowledge) body.acknowledge_duplicate_name = true;
        const created = await api.post("/employers", body);
        say("Employer created.");
        go(`#/employers/${encodeURIComponent(created.id)}`);
      } catch (err) {
        if (err.code === "DUPLICATE_NAME_WARNING") {
          this.duplicateWarning = err.message;
          this.acknowledge = false;
          this.showError({ message: err.message, fields: {} });
        } else {
          this.showError(err, EMPLOYER_LABELS);
        }
      } finally {
        this.saving = false;
      }
    },
  });
}
