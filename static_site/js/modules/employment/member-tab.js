// The Employment tab of the member record (extension point "member.tabs",
// see modules/members/detail.js): employment history, add a job, end a
// current job, correct a record (not dispatch records: those change by
// dispatch).

import { api, ApiError } from "../../core/api.js";
import { compact, focusSoon, inlineForm, pick, requireFields, say } from "../../core/forms.js";
import { options } from "../../core/format.js";
import { saveFailed } from "../../core/conflict.js";
import { pager, loadInto, loadMoreInto } from "../../core/paging.js";

export const EMPLOYMENT_SOURCES = ["direct_hire", "correction"];

const blankJob = () => ({ employer_id: "", start_date: "", end_date: "", job_class: "", hourly_rate: "", source: "direct_hire", reason: "" });

export function employmentTab() {
  return {
    employment: pager(),
    employers: [],
    employersLoaded: false,
    newJob: blankJob(),
    jobErrors: {},
    jobError: "",
    jobSources: options(EMPLOYMENT_SOURCES),
    jobChange: inlineForm(),

    moreEmployment() {
      return loadMoreInto(this.employment, `/members/${encodeURIComponent(this.id)}/employment`);
    },
    loadEmployment() {
      return loadInto(this.employment, `/members/${encodeURIComponent(this.id)}/employment`);
    },
    async loadEmployerOptions() {
      if (this.employersLoaded) return;
      this.employersLoaded = true;
      let cursor = null;
      const all = [];
      try {
        for (let page = 0; page < 10; page += 1) {
          const res = await api.get("/employers", { limit: 500, cursor });
          all.push(...(res.items || []));
          cursor = res.next_cursor;
          if (!cursor) break;
        }
      } catch (err) {
        this.jobError = `Could not load employers: ${err.message}`;
        this.employersLoaded = false;
      }
      this.employers = all.sort((a, b) => a.name.localeCompare(b.name));
    },
    async addEmployment() {
      this.jobErrors = requireFields(this.newJob, ["employer_id", "start_date"]);
      this.jobError = Object.keys(this.jobErrors).length ? "Please fill in the required fields." : "";
      if (this.jobError) return;
      this.busy = true;
      try {
        const body = compact(this.newJob);
        if (body.hourly_rate !== undefined) body.hourly_rate = Number(body.hourly_rate).toFixed(2);
        await api.post(`/members/${encodeURIComponent(this.id)}/employment`, body);
        this.newJob = blankJob();
        say("Employment added.");
        await this.loadEmployment();
      } catch (err) {
        this.jobErrors = err instanceof ApiError ? err.fieldMap() : {};
        this.jobError = err.message;
      } finally {
        this.busy = false;
      }
    },

    // ---- end a current job, correct a record
    canChangeJob(j) {
      return this.can("employment.add") && !this.record.deleted_at && j.source !== "dispatch";
    },
    openJob(j, mode) {
      const form = mode === "end"
        ? { end_date: "", end_hourly_rate: "" }
        : { ...pick(j, ["start_date", "end_date", "job_class", "hourly_rate"]), reason: "" };
      this.jobChange = { ...inlineForm(), id: j.id, mode, form, original: { ...form } };
      focusSoon(this, mode === "end" ? "job-end-date" : "job-fix-start");
    },
    closeJob() {
      const id = this.jobChange.id;
      this.jobChange = inlineForm();
      focusSoon(this, `job-actions-${id}`);
    },
    get changingJob() {
      return this.employment.items.find((j) => j.id === this.jobChange.id) || null;
    },
    async saveJob() {
      const c = this.jobChange;
      const j = this.changingJob;
      if (!j) return;
      c.errors = requireFields(c.form, c.mode === "end" ? ["end_date"] : ["reason", "start_date"]);
      c.error = Object.keys(c.errors).length ? "Please fill in the required fields." : "";
      if (!c.error && c.form.end_date && c.form.end_date < (c.mode === "end" ? j.start_date : c.form.start_date)) {
        c.errors = { end_date: "Must not be before the start date." };
        c.error = "The end date is before the start date.";
      }
      if (c.error) return;
      const path = `/members/${encodeURIComponent(this.id)}/employment/${encodeURIComponent(j.id)}`;
      let body;
      if (c.mode === "end") {
        body = { ...compact(c.form), version: j.version };
        if (body.end_hourly_rate !== undefined) body.end_hourly_rate = Number(body.end_hourly_rate).toFixed(2);
      } else {
        // Send only what changed (and the reason): an emptied end date makes the job current again.
        body = { version: j.version, reason: c.form.reason.trim() };
        for (const k of ["start_date", "end_date", "job_class", "hourly_rate"]) {
          const now = typeof c.form[k] === "string" ? c.form[k].trim() : c.form[k];
          if (String(now ?? "") !== String(c.original[k] ?? "")) body[k] = now === "" ? null : now;
        }
        if (body.hourly_rate) body.hourly_rate = Number(body.hourly_rate).toFixed(2);
      }
      this.busy = true;
      try {
        await api.post(`${path}/${c.mode === "end" ? "end" : "correct"}`, body);
        say(c.mode === "end" ? "Job ended." : "Employment record corrected.");
        this.jobChange = inlineForm();
        await this.loadEmployment();
      } catch (err) {
        await saveFailed(c, err, { what: "employment record", reload: () => this.loadEmployment() });
      } finally {
        this.busy = false;
      }
    },
  };
}
