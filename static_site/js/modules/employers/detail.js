// #/employers/{id}: the employer with its contracts (edit dates, end),
// contacts (edit, make primary, remove with a reason) and worksites. Every
// change carries the employer's version (core/conflict.js on a 409).

import { api } from "../../core/api.js";
import { base, clean, compact, compose, focusSoon, inlineForm, pick, requireFields, say, store } from "../../core/forms.js";
import { formatPhone, formatValue, humanize } from "../../core/format.js";
import { saveFailed } from "../../core/conflict.js";
import { recordEditor } from "../../core/record-editor.js";
import { CONTRACT_CODES, EMPLOYER_FIELDS, contractState } from "./model.js";

const blank = {
  contracts: () => ({ contract_code: "", effective_date: "", expiration_date: "" }),
  contacts: () => ({ name: "", title: "", phone: "", email: "", is_primary: false, may_submit_requests: false }),
  worksites: () => ({ name: "", code: "", address_line1: "", city: "", state: "", zip: "", region: "" }),
};

export function employerDetailView() {
  return compose(base(), recordEditor(), {
    id: "",
    record: null,
    loading: true,
    loadError: "",
    fields: EMPLOYER_FIELDS,
    contractCodes: CONTRACT_CODES,
    sub: {
      contracts: { form: blank.contracts(), errors: {}, error: "" },
      contacts: { form: blank.contacts(), errors: {}, error: "" },
      worksites: { form: blank.worksites(), errors: {}, error: "" },
    },
    contactChange: inlineForm(),
    contractChange: inlineForm(),
    busy: false,
    contractState,

    init() {
      this.id = store("route").current.params.id;
      this.load();
    },
    fetchRecord() {
      return api.get(`/employers/${encodeURIComponent(this.id)}`);
    },
    async load() {
      this.loading = true;
      this.loadError = "";
      try {
        this.record = await this.fetchRecord();
        document.title = `${this.record.name} · UnionCore`;
      } catch (err) {
        this.loadError = err.status === 404 ? "No employer with this ID exists." : err.message;
      } finally {
        this.loading = false;
      }
    },
    /** Show the latest version (contracts, contacts and worksites included). */
    async reloadRecord() {
      this.record = await this.fetchRecord();
    },
    editFields() {
      return this.can("employers.edit") ? EMPLOYER_FIELDS.filter((f) => f.edit) : [];
    },
    async submitPatch(body) {
      const updated = await api.patch(`/employers/${encodeURIComponent(this.id)}`, body);
      // PATCH returns the bare employer: keep the related lists we already have.
      return { contracts: this.record.contracts, contacts: this.record.contacts, worksites: this.record.worksites, ...updated };
    },
    display(f) {
      const v = this.record && this.record[f.name];
      if (f.type === "tel") return formatPhone(v);
      if (f.name === "status") return humanize(v) || "—";
      return formatValue(v);
    },
    // ---- edit / remove a contact; edit / end a contract (each carries the employer's version)
    openContact(c, mode) {
      const form = mode === "edit"
        ? { ...pick(c, ["name", "title", "phone", "email"]), is_primary: !!c.is_primary, may_submit_requests: !!c.may_submit_requests }
        : { reason: "" };
      this.contactChange = { ...inlineForm(), id: c.id, mode, form, original: { ...form } };
      focusSoon(this, mode === "edit" ? `ce-name-${c.id}` : `ce-reason-${c.id}`);
    },
    closeContact() {
      const id = this.contactChange.id;
      this.contactChange = inlineForm();
      focusSoon(this, `contact-actions-${id}`);
    },
    async saveContact(c) {
      const ch = this.contactChange;
      ch.errors = requireFields(ch.form, ch.mode === "edit" ? ["name"] : ["reason"]);
      ch.error = Object.keys(ch.errors).length
        ? (ch.mode === "edit" ? "The name is required." : "Give a reason for removing this contact.") : "";
      if (ch.error) return;
      const path = `/employers/${encodeURIComponent(this.id)}/contacts/${encodeURIComponent(c.id)}`;
      this.busy = true;
      try {
        if (ch.mode === "edit") {
          const body = { version: this.record.version };
          for (const [k, v] of Object.entries(clean(ch.form))) if (v !== (ch.original[k] === "" ? null : ch.original[k])) body[k] = v;
          await api.patch(path, body);
          say(body.is_primary ? `${ch.form.name} is now the primary contact.` : "Contact saved.");
        } else {
          await api.del(path, { reason: ch.form.reason.trim(), version: this.record.version });
          say("Contact removed.");
        }
        this.contactChange = inlineForm();
        this.record = await this.fetchRecord();
      } catch (err) {
        await saveFailed(ch, err, { what: "employer", reload: () => this.reloadRecord() });
      } finally {
        this.busy = false;
      }
    },
    openContract(c, mode) {
      const form = mode === "edit" ? pick(c, ["effective_date", "expiration_date"]) : { expiration_date: "" };
      this.contractChange = { ...inlineForm(), id: c.id, mode, form, original: { ...form } };
      focusSoon(this, mode === "edit" ? "ctc-eff" : "ctc-end");
    },
    closeContract() {
      const id = this.contractChange.id;
      this.contractChange = inlineForm();
      focusSoon(this, `contract-actions-${id}`);
    },
    get changingContract() {
      return (this.record && (this.record.contracts || []).find((c) => c.id === this.contractChange.id)) || null;
    },
    async saveContract() {
      const ch = this.contractChange;
      const c = this.changingContract;
      if (!c) return;
      ch.errors = requireFields(ch.form, ch.mode === "edit" ? ["effective_date"] : ["expiration_date"]);
      ch.error = Object.keys(ch.errors).length ? "Please fill in the required fields." : "";
      if (ch.error) return;
      const path = `/employers/${encodeURIComponent(this.id)}/contracts/${encodeURIComponent(c.id)}`;
      this.busy = true;
      try {
        if (ch.mode === "edit") {
          const body = { version: this.record.version };
          for (const [k, v] of Object.entries(clean(ch.form))) if (v !== (ch.original[k] || null)) body[k] = v;
          await api.patch(path, body);
          say("Contract dates saved.");
        } else {
          await api.post(`${path}/end`, { expiration_date: ch.form.expiration_date, version: this.record.version });
          say("Contract ended.");
        }
        this.contractChange = inlineForm();
        this.record = await this.fetchRecord();
      } catch (err) {
        await saveFailed(ch, err, { what: "employer", reload: () => this.reloadRecord() });
      } finally {
        this.busy = false;
      }
    },
    async addSub(kind, required) {
      const s = this.sub[kind];
      s.errors = requireFields(s.form, required);
      s.error = Object.keys(s.errors).length ? "Please fill in the required fields." : "";
      if (s.error) return;
      this.busy = true;
      try {
        const body = { ...compact(s.form), version: this.record.version };
        if (kind === "contacts") {
          body.is_primary = !!s.form.is_primary;
          body.may_submit_requests = !!s.form.may_submit_requests;
        }
        await api.post(`/employers/${encodeURIComponent(this.id)}/${kind}`, body);
        s.form = blank[kind]();
        say(`${humanize(kind.slice(0, -1))} added.`);
        this.record = await this.fetchRecord();
      } catch (err) {
        await saveFailed(s, err, { what: "employer", reload: () => this.reloadRecord() });
      } finally {
        this.busy = false;
      }
    },
  });
}
