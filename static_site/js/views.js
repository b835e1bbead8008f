// Alpine component factories, one per view. Templates live in index.html;
// each <template x-if> creates a fresh component when its route is shown.

import { api, tokens, ApiError } from "./api.js";
import { go } from "./nav.js";
import {
  MEMBER_FIELDS, MEMBER_GROUPS, MEMBER_STATUS, CARD_TYPES, CARD_TYPE_LABELS, CLASSIFICATIONS,
  NOTE_CATEGORIES, NOTE_VISIBILITY, NOTE_VISIBILITY_LABELS, CONTRACT_CODES, EMPLOYMENT_SOURCES,
  STATUS_ACTIONS, ROLES, ROLE_LABELS, AUDIT_ENTITY_MEMBER, AUDIT_ENTITY_TYPES, options, humanize,
  fieldLabel, formatDate, formatDateTime, formatValue, formatMoney, formatPhone, fullName, changedFields,
} from "./model.js";

const PAGE_SIZE = 25;

const store = (name) => window.Alpine.store(name);
/**
 * The mounted view. (Not `this.$root`: inside an event handler that magic is
 * resolved from the clicked element, which an x-if may just have removed.)
 */
const viewRoot = () => document.getElementById("main");
const say = (message) => store("notify").say(message);

function pick(obj, names) {
  const out = {};
  for (const n of names) out[n] = obj && obj[n] !== undefined && obj[n] !== null ? obj[n] : "";
  return out;
}

/** Trimmed copy with "" -> null, for request bodies. */
function clean(values) {
  const out = {};
  for (const [k, v] of Object.entries(values)) {
    const t = typeof v === "string" ? v.trim() : v;
    out[k] = t === "" ? null : t;
  }
  return out;
}

/** Trimmed copy without empty values, for create bodies (server defaults apply). */
function compact(values) {
  const out = {};
  for (const [k, v] of Object.entries(clean(values))) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

function requireFields(values, names) {
  const errors = {};
  for (const n of names) {
    const v = values[n];
    if (v === undefined || v === null || String(v).trim() === "") errors[n] = "Required.";
  }
  return errors;
}

/** Focus an element by id once Alpine has rendered it (inline edit forms). */
function focusSoon(component, id) {
  component.$nextTick(() => {
    const el = document.getElementById(id);
    if (el) el.focus();
  });
}

/** An inline sub-form's state: which row it edits, its values and its errors. */
function inlineForm() {
  return { id: "", mode: "", form: {}, errors: {}, error: "" };
}

/** Put an API error into an inline form; 409 answers say why and the caller reloads. */
function inlineError(state, err, what) {
  state.errors = err instanceof ApiError ? err.fieldMap() : {};
  state.error = err.status === 409 && err.code === "CONCURRENT_UPDATE"
    ? `This ${what} was changed by someone else. The latest version is shown; try again.`
    : err.message;
}

/** Shared helpers mixed into every component (no getters here: spread-safe). */
// Fills a tab's list state ({ items, loading, loaded, error }) from a GET answering { items }.
async function loadInto(state, path) {
  state.loading = true;
  state.error = "";
  try {
    const res = await api.get(path);
    state.items = res.items || [];
    state.loaded = true;
  } catch (err) {
    state.error = err.message;
  } finally {
    state.loading = false;
  }
}

// A list view's search: the first page into view.s, the count announced to screen readers.
// Only the newest search may fill the list: the initial load must not overwrite a search typed meanwhile.
async function runSearch(view, path, noun, labels) {
  const seq = (view.searchSeq = (view.searchSeq || 0) + 1);
  view.clearErrors();
  view.loading = true;
  try {
    const res = await api.get(path, view.query());
    if (seq !== view.searchSeq) return;
    view.s.items = res.items || [];
    view.s.next_cursor = res.next_cursor || null;
    view.s.searched = true;
    const n = view.s.items.length;
    say(`${n}${view.s.next_cursor ? "+" : ""} ${noun}${n === 1 ? "" : "s"} found.`);
  } catch (err) {
    if (seq !== view.searchSeq) return;
    view.s.items = [];
    view.s.next_cursor = null;
    view.showError(err, labels);
  } finally {
    if (seq === view.searchSeq) view.loading = false;
  }
}

function base() {
  return {
    errors: {},
    formError: "",
    fieldSummary: [],
    // formatting helpers for templates
    humanize, fieldLabel, formatDate, formatDateTime, formatValue, formatMoney, formatPhone, fullName,
    roleLabel: (r) => ROLE_LABELS[r] || humanize(r),
    auditChanges: (entry) => auditChanges(entry),
    auditSummary: (entry) => auditSummary(entry),

    clearErrors() {
      this.errors = {};
      this.formError = "";
      this.fieldSummary = [];
    },
    /** Show an API (or local) error: summary at the top, problems next to inputs. */
    showError(err, labels) {
      const fields = err instanceof ApiError ? err.fieldMap() : err.fields || {};
      this.errors = fields;
      this.fieldSummary = Object.entries(fields).map(([name, problem]) => ({
        name,
        label: (labels && labels[name]) || fieldLabel(name),
        problem,
      }));
      this.formError = err.message || "Something went wrong.";
      this.$nextTick(() => {
        const invalid = viewRoot().querySelector('[aria-invalid="true"]');
        if (invalid) invalid.focus();
        else {
          const alert = viewRoot().querySelector("[data-form-error]");
          if (alert) alert.focus();
        }
      });
    },
    localErrors(errors, message = "Please fill in the required fields.") {
      this.showError({ message, fields: errors });
    },
    /** Bindings for an input: id, aria-invalid, aria-describedby. */
    fieldAttrs(prefix, name, hintId) {
      const described = [hintId, this.errors[name] ? `${prefix}-${name}-error` : null].filter(Boolean).join(" ");
      return {
        id: `${prefix}-${name}`,
        name,
        "aria-invalid": this.errors[name] ? "true" : "false",
        "aria-describedby": described || null,
      };
    },
  };
}

/** Load-more paging helper state. */
function pager() {
  return { items: [], next_cursor: null, loading: false, loaded: false, error: "" };
}

/**
 * Edit-in-place for a versioned record with optimistic locking. The host
 * component provides record, editFields(), submitPatch(body), fetchRecord().
 */
function recordEditor() {
  return {
    editing: false,
    saving: false,
    form: {},
    conflict: null,

    editNames() {
      return this.editFields().map((f) => f.name);
    },
    startEdit() {
      this.clearErrors();
      this.conflict = null;
      this.form = pick(this.record, this.editNames());
      this.editing = true;
      this.$nextTick(() => {
        const first = viewRoot().querySelector("[data-edit-form] input, [data-edit-form] select");
        if (first) first.focus();
      });
    },
    cancelEdit() {
      this.editing = false;
      this.conflict = null;
      this.clearErrors();
      this.$nextTick(() => {
        const btn = viewRoot().querySelector("[data-edit-button]");
        if (btn) btn.focus();
      });
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
        this.$nextTick(() => {
          const btn = viewRoot().querySelector("[data-edit-button]");
          if (btn) btn.focus();
        });
      } catch (err) {
        if (err.status === 409) {
          const current = err.current;
          this.conflict = {
            message: "This record was changed by someone else while you were editing.",
            current,
            fields: current ? changedFields(this.record, current, [...new Set(MEMBER_FIELDS.map((f) => f.name).concat(names))]) : [],
          };
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
      let current = this.conflict && this.conflict.current;
      try {
        if (!current) current = await this.fetchRecord();
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
      this.$nextTick(() => {
        const first = viewRoot().querySelector("[data-edit-form] input, [data-edit-form] select");
        if (first) first.focus();
      });
    },
  };
}

/** Keyboard support for role=tablist: arrows, Home, End. */
function tabKeys(event, tabs, select) {
  const current = tabs.indexOf(event.target.dataset.tab);
  if (current < 0) return;
  let next = null;
  if (event.key === "ArrowRight") next = (current + 1) % tabs.length;
  else if (event.key === "ArrowLeft") next = (current - 1 + tabs.length) % tabs.length;
  else if (event.key === "Home") next = 0;
  else if (event.key === "End") next = tabs.length - 1;
  if (next === null) return;
  event.preventDefault();
  select(tabs[next]);
  const el = event.target.parentElement.querySelector(`[data-tab="${tabs[next]}"]`);
  if (el) el.focus();
}

function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ====================================================================== login

/** The otpauth:// URI as a QR code image (vendor/qrcode.js, qrcode-generator); "" if the library is missing. */
function qrDataUrl(text) {
  if (typeof window.qrcode !== "function") return "";
  const qr = window.qrcode(0, "M");
  qr.addData(text);
  qr.make();
  return qr.createDataURL(4, 4);
}

function loginView() {
  return {
    ...base(),
    step: "login", // login | newPassword | mfa | mfaSetup | forgot | reset | signup | signupConfirm
    email: "",
    mfaSecret: "",
    mfaUri: "",
    mfaQr: "",
    signupCard: "",
    signupLastName: "",
    signupDob: "",
    password: "",
    newPassword: "",
    confirmPassword: "",
    code: "",
    challengeSession: "",
    info: "",
    busy: false,

    init() {
      const session = store("session");
      this.info = session.notice;
      session.notice = "";
    },
    setStep(step) {
      this.step = step;
      this.clearErrors();
      this.password = "";
      this.newPassword = "";
      this.confirmPassword = "";
      this.code = "";
      this.$nextTick(() => {
        const h = viewRoot().querySelector("h1");
        if (h) {
          h.setAttribute("tabindex", "-1");
          h.focus();
        }
      });
    },
    async finishLogin(tokenResponse) {
      tokens.save(tokenResponse);
      const session = store("session");
      await session.load();
      const target = session.returnTo;
      session.returnTo = "";
      go(target && target !== "#/login" ? target : session.homeHash());
    },
    async login() {
      this.clearErrors();
      this.info = "";
      const missing = requireFields({ email: this.email, password: this.password }, ["email", "password"]);
      if (Object.keys(missing).length) return this.localErrors(missing, "Enter your email and password.");
      this.busy = true;
      try {
        const res = await api.auth("login", { email: this.email.trim(), password: this.password });
        if (res && res.challenge === "NEW_PASSWORD_REQUIRED") {
          this.challengeSession = res.session;
          this.setStep("newPassword");
          this.info = "You signed in with a temporary password. Choose a new password to continue.";
          return;
        }
        if (this.mfaStep(res)) return;
        await this.finishLogin(res);
      } catch (err) {
        this.password = "";
        if (err.status === 401) {
          // Show the server's message; never the generic "session expired" text here.
          this.showError(new ApiError(401, { error: { message: err.serverMessage || "Incorrect email or password." } }));
        } else if (err.status === 429) {
          let message = err.message;
          if (err.retryAfter) {
            const minutes = Math.max(1, Math.ceil(err.retryAfter / 60));
            message = `${message.replace(/\s*Try again later\.?\s*$/i, "")} Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
          }
          this.showError(new ApiError(429, { error: { message } }));
        } else {
          this.showError(err);
        }
      } finally {
        this.busy = false;
      }
    },
    passwordMismatch() {
      if (this.newPassword !== this.confirmPassword) {
        this.localErrors({ confirm_password: "The passwords do not match." }, "The passwords do not match.");
        return true;
      }
      return false;
    },
    async completeChallenge() {
      this.clearErrors();
      const missing = requireFields({ new_password: this.newPassword, confirm_password: this.confirmPassword }, ["new_password", "confirm_password"]);
      if (Object.keys(missing).length) return this.localErrors(missing);
      if (this.passwordMismatch()) return;
      this.busy = true;
      try {
        const res = await api.auth("challenge", {
          email: this.email.trim(), session: this.challengeSession, new_password: this.newPassword,
        });
        if (this.mfaStep(res)) return;
        await this.finishLogin(res);
      } catch (err) {
        if (err.status === 401) {
          this.setStep("login");
          this.info = "";
          this.showError(new ApiError(401, { error: { message: "Your sign-in attempt expired. Please sign in again with your temporary password." } }));
        } else {
          this.showError(err, { new_password: "New password", password: "New password" });
        }
      } finally {
        this.busy = false;
      }
    },
    /** Second sign-in step for staff roles (modules.md §1.2): enter a code, or first set up an authenticator. */
    mfaStep(res) {
      if (res && res.challenge === "SOFTWARE_TOKEN_MFA") {
        this.challengeSession = res.session;
        this.setStep("mfa");
        return true;
      }
      if (res && res.challenge === "MFA_SETUP") {
        this.challengeSession = res.session;
        this.mfaSecret = res.secret_code;
        this.mfaUri = res.otpauth_uri;
        this.mfaQr = qrDataUrl(res.otpauth_uri);
        this.setStep("mfaSetup");
        return true;
      }
      return false;
    },
    async submitMfa() {
      this.clearErrors();
      const code = this.code.replace(/\s+/g, "");
      if (!/^\d{6}$/.test(code)) {
        const msg = "Enter the 6-digit code from your authenticator app.";
        return this.localErrors({ code: msg }, msg);
      }
      this.busy = true;
      try {
        const res = this.step === "mfaSetup"
          ? await api.auth("mfa/setup", { session: this.challengeSession, code })
          : await api.auth("mfa", { email: this.email.trim(), session: this.challengeSession, code });
        this.mfaSecret = "";
        this.mfaUri = "";
        this.mfaQr = "";
        await this.finishLogin(res);
      } catch (err) {
        if (err.status === 401) {
          this.setStep("login");
          this.showError(new ApiError(401, { error: { message: "Your sign-in attempt expired. Please sign in again." } }));
        } else {
          this.code = "";
          this.showError(err, { code: "Authentication code" });
        }
      } finally {
        this.busy = false;
      }
    },
    /** Member portal self-registration (modules.md §1.4): match on card, last name, birth date; e-mail code. */
    async signUp() {
      this.clearErrors();
      this.info = "";
      const fields = { card_number: this.signupCard.trim(), last_name: this.signupLastName.trim(),
        date_of_birth: this.signupDob, email: this.email.trim(), password: this.newPassword,
        confirm_password: this.confirmPassword };
      const missing = requireFields(fields, Object.keys(fields));
      if (Object.keys(missing).length) return this.localErrors(missing);
      if (this.passwordMismatch()) return;
      this.busy = true;
      try {
        const { confirm_password: _unused, ...body } = fields;
        await api.auth("sign-up", body);
        this.setStep("signupConfirm");
        this.info = "If these details match a member of the local without an account, we sent a 6-digit code to "
          + `${body.email}. It is valid for 24 hours.`;
      } catch (err) {
        this.showError(err, { card_number: "Card number", last_name: "Last name", date_of_birth: "Date of birth",
          email: "Email", password: "Password" });
      } finally {
        this.busy = false;
      }
    },
    async confirmSignUp() {
      this.clearErrors();
      const missing = requireFields({ email: this.email, code: this.code }, ["email", "code"]);
      if (Object.keys(missing).length) return this.localErrors(missing);
      this.busy = true;
      try {
        await api.auth("sign-up/confirm", { email: this.email.trim(), code: this.code.trim() });
        this.setStep("login");
        this.info = "Your member account is ready. Sign in with your email and password.";
      } catch (err) {
        this.showError(err, { code: "Verification code", email: "Email" });
      } finally {
        this.busy = false;
      }
    },
    async requestCode() {
      this.clearErrors();
      const missing = requireFields({ email: this.email }, ["email"]);
      if (Object.keys(missing).length) return this.localErrors(missing, "Enter your email address.");
      this.busy = true;
      try {
        await api.auth("forgot-password", { email: this.email.trim() });
        this.setStep("reset");
        this.info = "If an account exists for that email, we sent it a verification code. Enter the code and a new password.";
      } catch (err) {
        this.showError(err);
      } finally {
        this.busy = false;
      }
    },
    async resetPassword() {
      this.clearErrors();
      const missing = requireFields(
        { code: this.code, new_password: this.newPassword, confirm_password: this.confirmPassword },
        ["code", "new_password", "confirm_password"],
      );
      if (Object.keys(missing).length) return this.localErrors(missing);
      if (this.passwordMismatch()) return;
      this.busy = true;
      try {
        await api.auth("confirm-forgot-password", {
          email: this.email.trim(), code: this.code.trim(), new_password: this.newPassword,
        });
        this.setStep("login");
        this.info = "Your password was changed. Sign in with your new password.";
      } catch (err) {
        this.showError(err, { code: "Verification code", new_password: "New password" });
      } finally {
        this.busy = false;
      }
    },
  };
}

// ==================================================================== members

// ==================================================================== members

function membersView() {
  return {
    ...base(),
    loading: false,
    statusOptions: options(MEMBER_STATUS),
    classificationOptions: options(CLASSIFICATIONS),
    cardTypeOptions: options(CARD_TYPES, CARD_TYPE_LABELS),

    get s() {
      return store("lists").members;
    },
    init() {
      if (!this.s.searched) this.search();
    },
    can(cap) {
      return store("session").can(cap);
    },
    query(cursor) {
      return {
        q: this.s.q.trim(),
        status: this.s.status,
        classification: this.s.classification,
        card_type: this.s.card_type,
        include_deleted: this.s.include_deleted ? "true" : "",
        limit: PAGE_SIZE,
        cursor,
      };
    },
    search() {
      return runSearch(this, "/members", "member", { q: "Search", include_deleted: "Include deleted" });
    },
    async loadMore() {
      if (!this.s.next_cursor || this.loading) return;
      this.loading = true;
      const firstNew = this.s.items.length;
      try {
        const res = await api.get("/members", this.query(this.s.next_cursor));
        this.s.items = this.s.items.concat(res.items || []);
        this.s.next_cursor = res.next_cursor || null;
        say(`Loaded ${(res.items || []).length} more.`);
        this.$nextTick(() => {
          const link = viewRoot().querySelectorAll("[data-testid='member-link']")[firstNew];
          if (link) link.focus();
        });
      } catch (err) {
        this.showError(err);
      } finally {
        this.loading = false;
      }
    },
    clearFilters() {
      Object.assign(this.s, { q: "", status: "", classification: "", card_type: "", include_deleted: false });
      this.search();
    },
  };
}

function memberDetailView() {
  return {
    ...base(),
    ...recordEditor(),
    id: "",
    record: null,
    loading: true,
    loadError: "",
    loadStatus: 0,
    tab: "details",
    groups: MEMBER_GROUPS,
    employment: pager(),
    notes: pager(),
    history: { ...pager(), includeReads: false },
    employers: [],
    employersLoaded: false,
    newJob: { employer_id: "", start_date: "", end_date: "", job_class: "", hourly_rate: "", source: "direct_hire", reason: "" },
    jobErrors: {},
    jobError: "",
    jobSources: options(EMPLOYMENT_SOURCES),
    newNote: { text: "", category: "general", visibility: "staff_only" },
    noteErrors: {},
    noteError: "",
    noteCategories: options(NOTE_CATEGORIES),
    noteVisibility: options(NOTE_VISIBILITY, NOTE_VISIBILITY_LABELS),
    noteChange: inlineForm(),
    noteVersions: {},
    jobChange: inlineForm(),
    statusChange: { action: "", reason: "" },
    statusErrors: {},
    statusError: "",
    deleteReason: "",
    deleteError: "",
    busy: false,

    init() {
      this.id = store("route").current.params.id;
      this.load();
    },
    can(cap) {
      return store("session").can(cap);
    },
    get tabs() {
      return this.can("notes.view") ? ["details", "employment", "notes", "history"] : ["details", "employment", "history"];
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
    /** Fields to display in a group (restricted ones only when the API sent them). */
    displayFields(group) {
      return MEMBER_FIELDS.filter((f) => f.group === group && (!f.restricted || (this.record && f.name in this.record)));
    },
    editFields() {
      return MEMBER_FIELDS.filter((f) => f.cap && this.can(f.cap) && (!f.restricted || (this.record && f.name in this.record)));
    },
    editGroupFields(group) {
      return this.editFields().filter((f) => f.group === group);
    },
    get canEdit() {
      return this.editFields().length > 0 && this.record && !this.record.deleted_at;
    },
    display(field) {
      const v = this.record ? this.record[field.name] : null;
      if (field.type === "date") return formatDate(v) || "—";
      if (field.type === "tel") return formatPhone(v);
      if (field.type === "select") {
        const opt = field.options.find((o) => o.value === v);
        return opt ? opt.label : formatValue(v);
      }
      return formatValue(v);
    },
    submitPatch(body) {
      return api.patch(`/members/${encodeURIComponent(this.id)}`, body);
    },
    afterSave() {
      this.history.loaded = false;
    },

    // ---- tabs
    selectTab(name) {
      this.tab = name;
      if (name === "employment" && !this.employment.loaded) this.loadEmployment();
      if (name === "notes" && !this.notes.loaded) this.loadNotes();
      if (name === "history" && !this.history.loaded) this.loadHistory();
    },
    tabKeydown(event) {
      tabKeys(event, this.tabs, (t) => this.selectTab(t));
    },

    // ---- membership status (named actions)
    get statusActions() {
      const roles = store("session").roles;
      if (!this.record) return [];
      return STATUS_ACTIONS.filter((a) => a.from.includes(this.record.status) && a.roles.some((r) => roles.includes(r)));
    },
    async changeStatus() {
      this.statusErrors = requireFields(this.statusChange, ["action", "reason"]);
      this.statusError = Object.keys(this.statusErrors).length ? "Choose an action and give a reason." : "";
      if (this.statusError) return;
      this.busy = true;
      try {
        this.record = await api.post(`/members/${encodeURIComponent(this.id)}/status`, {
          action: this.statusChange.action, reason: this.statusChange.reason.trim(), version: this.record.version,
        });
        this.statusChange = { action: "", reason: "" };
        this.history.loaded = false;
        say(`Status is now ${humanize(this.record.status)}.`);
      } catch (err) {
        this.statusErrors = err instanceof ApiError ? err.fieldMap() : {};
        this.statusError = err.status === 409
          ? "This record was changed by someone else. Reload the latest version and try again."
          : err.message;
      } finally {
        this.busy = false;
      }
    },

    // ---- employment
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
        this.newJob = { employer_id: "", start_date: "", end_date: "", job_class: "", hourly_rate: "", source: "direct_hire", reason: "" };
        say("Employment added.");
        await this.loadEmployment();
      } catch (err) {
        this.jobErrors = err instanceof ApiError ? err.fieldMap() : {};
        this.jobError = err.message;
      } finally {
        this.busy = false;
      }
    },

    // ---- notes
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
        this.history.loaded = false;
        await this.loadNotes();
      } catch (err) {
        inlineError(c, err, "note");
        if (err.status === 409 || err.status === 404) await this.loadNotes();
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

    // ---- employment: end a current job, correct a record (not dispatch records: those change by dispatch)
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
      const base = `/members/${encodeURIComponent(this.id)}/employment/${encodeURIComponent(j.id)}`;
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
        await api.post(`${base}/${c.mode === "end" ? "end" : "correct"}`, body);
        say(c.mode === "end" ? "Job ended." : "Employment record corrected.");
        this.jobChange = inlineForm();
        await this.loadEmployment();
      } catch (err) {
        inlineError(c, err, "employment record");
        if (err.status === 409 && err.code === "CONCURRENT_UPDATE") await this.loadEmployment();
      } finally {
        this.busy = false;
      }
    },

    // ---- history (audit)
    get visibleHistory() {
      return this.history.includeReads
        ? this.history.items
        : this.history.items.filter((e) => e.action !== "READ" && e.action !== "BULK_READ");
    },
    async loadHistory(more = false) {
      this.history.loading = true;
      this.history.error = "";
      try {
        const res = await api.get("/audit", {
          entity_type: AUDIT_ENTITY_MEMBER,
          entity_id: this.id,
          limit: 50,
          cursor: more ? this.history.next_cursor : null,
        });
        this.history.items = more ? this.history.items.concat(res.items || []) : res.items || [];
        this.history.next_cursor = res.next_cursor || null;
        this.history.loaded = true;
      } catch (err) {
        this.history.error = err.status === 403 ? "You don't have access to the audit history." : err.message;
      } finally {
        this.history.loading = false;
      }
    },

    // ---- delete / restore
    async remove() {
      this.deleteError = "";
      if (!this.deleteReason.trim()) {
        this.deleteError = "Give a reason for deleting this record.";
        return;
      }
      this.busy = true;
      try {
        this.record = await api.del(`/members/${encodeURIComponent(this.id)}`, {
          reason: this.deleteReason.trim(), version: this.record.version,
        });
        this.deleteReason = "";
        this.history.loaded = false;
        say("Member record deleted. It can be restored.");
      } catch (err) {
        this.deleteError = err.status === 409 ? `${err.message} Reload the page and try again.` : err.message;
      } finally {
        this.busy = false;
      }
    },
    async restore() {
      this.busy = true;
      this.deleteError = "";
      try {
        this.record = await api.post(`/members/${encodeURIComponent(this.id)}/restore`, { version: this.record.version });
        this.history.loaded = false;
        say("Member record restored.");
      } catch (err) {
        this.deleteError = err.message;
      } finally {
        this.busy = false;
      }
    },
  };
}

function memberNewView() {
  const canDemo = () => store("session").can("members.editDemographics");
  const fields = () => MEMBER_FIELDS.filter((f) => f.create && (!f.restricted || canDemo()));
  return {
    ...base(),
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
  };
}

// ================================================================== employers

const EMPLOYER_FIELDS = [
  { name: "name", label: "Name", edit: true, create: true, required: true },
  { name: "legal_name", label: "Legal name", edit: true, create: true },
  { name: "code", label: "Employer code", create: true, hint: "Letters, digits and dashes" },
  { name: "address_line1", label: "Address", edit: true, create: true },
  { name: "city", label: "City", edit: true, create: true },
  { name: "state", label: "State", edit: true, create: true, maxlength: 2 },
  { name: "zip", label: "ZIP code", edit: true, create: true, inputmode: "numeric", maxlength: 10 },
  { name: "phone", label: "Phone", type: "tel", edit: true, create: true },
  { name: "email", label: "Email", type: "email", edit: true, create: true },
  { name: "website", label: "Website", edit: true, create: true },
  { name: "status", label: "Status" },
];
const EMPLOYER_LABELS = Object.fromEntries(EMPLOYER_FIELDS.map((f) => [f.name, f.label]));

function employersView() {
  return {
    ...base(),
    loading: false,
    contractCodes: CONTRACT_CODES,
    get s() {
      return store("lists").employers;
    },
    init() {
      if (!this.s.searched) this.search();
    },
    query(cursor) {
      return { q: this.s.q.trim(), contract_code: this.s.contract_code, limit: PAGE_SIZE, cursor };
    },
    search() {
      return runSearch(this, "/employers", "employer", { q: "Search", contract_code: "Contract" });
    },
    async loadMore() {
      if (!this.s.next_cursor || this.loading) return;
      this.loading = true;
      try {
        const res = await api.get("/employers", this.query(this.s.next_cursor));
        this.s.items = this.s.items.concat(res.items || []);
        this.s.next_cursor = res.next_cursor || null;
        say(`Loaded ${(res.items || []).length} more.`);
      } catch (err) {
        this.showError(err);
      } finally {
        this.loading = false;
      }
    },
    clearFilters() {
      Object.assign(this.s, { q: "", contract_code: "" });
      this.search();
    },
  };
}

function contractState(c) {
  const today = new Date().toISOString().slice(0, 10);
  if (c.status) return c.status;
  if (c.effective_date && c.effective_date > today) return "future";
  if (c.expiration_date && c.expiration_date < today) return "expired";
  return "active";
}

function employerDetailView() {
  const blank = {
    contracts: () => ({ contract_code: "", effective_date: "", expiration_date: "" }),
    contacts: () => ({ name: "", title: "", phone: "", email: "", is_primary: false, may_submit_requests: false }),
    worksites: () => ({ name: "", code: "", address_line1: "", city: "", state: "", zip: "", region: "" }),
  };
  return {
    ...base(),
    ...recordEditor(),
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
    can(cap) {
      return store("session").can(cap);
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
        inlineError(ch, err, "employer");
        if (err.status === 409 || err.status === 404) this.record = await this.fetchRecord().catch(() => this.record);
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
        inlineError(ch, err, "employer");
        if (err.status === 409 && err.code === "CONCURRENT_UPDATE") this.record = await this.fetchRecord().catch(() => this.record);
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
        s.errors = err instanceof ApiError ? err.fieldMap() : {};
        s.error = err.status === 409 && err.code === "CONCURRENT_UPDATE"
          ? "This employer was changed by someone else. The latest version is loaded; try again."
          : err.message;
        if (err.status === 409 && err.code === "CONCURRENT_UPDATE") this.record = await this.fetchRecord().catch(() => this.record);
      } finally {
        this.busy = false;
      }
    },
  };
}

function employerNewView() {
  const fields = EMPLOYER_FIELDS.filter((f) => f.create);
  return {
    ...base(),
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
  };
}

// ====================================================================== audit

function auditView() {
  const today = new Date();
  const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  const monthAgo = new Date(today.getTime() - 30 * 86400000);
  return {
    ...base(),
    entityTypes: options(AUDIT_ENTITY_TYPES),
    filters: { entity_type: "", entity_id: "", actor_id: "" },
    list: pager(),
    exportRange: { from: iso(monthAgo), to: iso(today) },
    exporting: false,
    exportError: "",

    init() {
      const q = store("route").current.query || {};
      for (const k of Object.keys(this.filters)) if (q[k]) this.filters[k] = q[k];
      // Officers must say which record or actor; everyone else sees their own actions.
      if (!this.can("audit.any") || this.hasFilter()) this.search();
    },
    can(cap) {
      return store("session").can(cap);
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
    async exportCsv() {
      this.exportError = "";
      if (!this.exportRange.from || !this.exportRange.to) {
        this.exportError = "Choose both dates.";
        return;
      }
      this.exporting = true;
      try {
        const blob = await api.download("/audit/export", { from: this.exportRange.from, to: this.exportRange.to });
        downloadBlob(blob, `audit-${this.exportRange.from}-to-${this.exportRange.to}.csv`);
        say("Audit export downloaded.");
      } catch (err) {
        this.exportError = err.message;
      } finally {
        this.exporting = false;
      }
    },
  };
}

const ACTION_TEXT = {
  CREATE: "Created the record",
  UPDATE: "Changed the record",
  DELETE: "Deleted the record",
  READ: "Viewed the record",
  BULK_READ: "Listed or searched records",
};

/** One line describing an entry (used when there are no field changes to show). */
function auditSummary(entry) {
  if (entry.extra && entry.extra.refused) return "Access refused";
  if (entry.action === "UPDATE" && !auditChanges(entry).length) return "Saved without changing any field";
  return ACTION_TEXT[entry.action] || humanize(entry.action);
}

/** Rows "field: old -> new" for an audit entry. */
function auditChanges(entry) {
  const names = (entry.changed_fields && entry.changed_fields.length)
    ? entry.changed_fields
    : Object.keys({ ...(entry.old_values || {}), ...(entry.new_values || {}) });
  return names.map((name) => ({
    name,
    label: fieldLabel(name),
    old: formatValue((entry.old_values || {})[name]),
    new: formatValue((entry.new_values || {})[name]),
  }));
}

// ====================================================================== users

function usersView() {
  return {
    ...base(),
    roles: ROLES,
    list: pager(),
    invite: { email: "", roles: [], member_id: "", display_name: "" },
    inviting: false,
    rowBusy: "",
    rowError: { id: "", message: "" },
    editingRoles: "",
    roleDraft: [],

    init() {
      this.load();
    },
    async load(more = false) {
      this.list.loading = true;
      this.list.error = "";
      try {
        const res = await api.get("/users", { limit: 100, cursor: more ? this.list.next_cursor : null });
        this.list.items = more ? this.list.items.concat(res.items || []) : res.items || [];
        this.list.next_cursor = res.next_cursor || null;
        this.list.loaded = true;
      } catch (err) {
        this.list.error = err.message;
      } finally {
        this.list.loading = false;
      }
    },
    async sendInvite() {
      this.clearErrors();
      const errors = requireFields(this.invite, ["email"]);
      if (!this.invite.roles.length) errors.roles = "Choose at least one role.";
      if (this.invite.roles.includes("member") && !this.invite.member_id.trim()) errors.member_id = "Required for the member role.";
      if (Object.keys(errors).length) return this.localErrors(errors, "Please correct the highlighted fields.");
      this.inviting = true;
      try {
        const body = compact({ email: this.invite.email, member_id: this.invite.member_id, display_name: this.invite.display_name });
        body.roles = [...this.invite.roles];
        await api.post("/users", body);
        say(`Invitation sent to ${body.email}. They will receive a temporary password by email.`);
        this.invite = { email: "", roles: [], member_id: "", display_name: "" };
        await this.load();
      } catch (err) {
        this.showError(err, { member_id: "Member ID", roles: "Roles", display_name: "Display name" });
      } finally {
        this.inviting = false;
      }
    },
    async setEnabled(user, enabled) {
      this.rowBusy = user.id;
      this.rowError = { id: "", message: "" };
      try {
        await api.post(`/users/${encodeURIComponent(user.id)}/${enabled ? "enable" : "disable"}`, {});
        say(`${user.email} ${enabled ? "enabled" : "disabled"}.`);
        await this.load();
      } catch (err) {
        this.rowError = { id: user.id, message: err.message };
      } finally {
        this.rowBusy = "";
      }
    },
    editRoles(user) {
      this.editingRoles = user.id;
      this.roleDraft = [...(user.roles || [])];
      this.rowError = { id: "", message: "" };
    },
    async saveRoles(user) {
      if (!this.roleDraft.length) {
        this.rowError = { id: user.id, message: "Choose at least one role." };
        return;
      }
      this.rowBusy = user.id;
      try {
        await api.put(`/users/${encodeURIComponent(user.id)}/roles`, { roles: [...this.roleDraft] });
        say(`Roles updated for ${user.email}.`);
        this.editingRoles = "";
        await this.load();
      } catch (err) {
        this.rowError = { id: user.id, message: err.message };
      } finally {
        this.rowBusy = "";
      }
    },
  };
}

// ==================================================================== profile

function profileView() {
  return {
    ...base(),
    ...recordEditor(),
    record: null,
    loading: true,
    loadError: "",
    groups: MEMBER_GROUPS,
    employment: pager(),

    init() {
      this.load();
    },
    can(cap) {
      return store("session").can(cap);
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
    displayFields(group) {
      return MEMBER_FIELDS.filter((f) => f.group === group && (!f.restricted || (this.record && f.name in this.record)));
    },
    editFields() {
      return this.can("profile.edit") ? MEMBER_FIELDS.filter((f) => f.self) : [];
    },
    display(field) {
      const v = this.record ? this.record[field.name] : null;
      if (field.type === "date") return formatDate(v) || "—";
      if (field.type === "tel") return formatPhone(v);
      if (field.type === "select") {
        const opt = field.options.find((o) => o.value === v);
        return opt ? opt.label : formatValue(v);
      }
      return formatValue(v);
    },
    submitPatch(body) {
      return api.patch("/me", body);
    },
    afterSave() {
      store("session").member = this.record;
    },
  };
}

export const views = {
  loginView,
  membersView,
  memberDetailView,
  memberNewView,
  employersView,
  employerDetailView,
  employerNewView,
  auditView,
  usersView,
  profileView,
};
