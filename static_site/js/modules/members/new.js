// #/members/new: create a member.

import { api } from "../../core/api.js";
import { go } from "../../core/nav.js";
import { base, compose, compact, pick, requireFields, say, store } from "../../core/forms.js";
import { MEMBER_FIELDS, MEMBER_GROUPS } from "./model.js";

export function memberNewView() {
  const canDemo = () => store("session").can("members.editDemographics");
  const fields = () => MEMBER_FIELDS.filter((f) => f.create && (!f.restricted || canDemo()));
  return compose(base(), {
    groups: MEMBER_GROUPS,
    form: { ...pick({}, MEMBER_FIELDS.map((f) => f.name)), status: "active" },
    saving: false,
    fieldsIn(group) {
      return fields().filter((f) => f.group === group);
    },
    async create() {
      this.clearErrors();
      const required = fields().filter((f) => f.required).map((f) => f.name).concat(["member_number"]);
      const missing = requireFields(this.form, required);
      if (Object.keys(missing).length) return this.localErrors(missing);
      this.saving = true;
      try {
        const body = compact(pick(this.form, fields().map((f) => f.name)));
        const created = await api.post("/members", body);
        say("Member created.");
        go(`#/members/${encodeURIComponent(created.id)}`);
      } catch (err) {
        this.showError(err);
      } finally {
        this.saving = false;
      }
    },
  });
}
