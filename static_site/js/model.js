// Domain vocabulary for the UI: enums, labels, field definitions and the
// role -> capability table. The API is the authority on permissions; this
// table only decides what the UI offers (the server still answers 403).

export const ROLES = ["admin", "officer", "dispatcher", "staff", "organizer", "instructor", "member"];
export const STAFF_ROLES = ["admin", "officer", "dispatcher", "staff", "organizer", "instructor"];

export const ROLE_LABELS = {
  admin: "Administrator",
  officer: "Officer",
  dispatcher: "Dispatcher",
  staff: "Staff",
  organizer: "Organizer",
  instructor: "Instructor",
  member: "Member",
};

// Mirrors the route table in app.py (deny by default there).
const OFFICERS = ["admin", "officer"];
const RECORD_STAFF = ["admin", "officer", "staff"];
const EDITORS = ["admin", "officer", "staff", "dispatcher"];
const READERS = ["admin", "officer", "staff", "dispatcher", "organizer"];

/** capability -> roles that get it */
export const CAPABILITIES = {
  "members.view": READERS,
  "members.create": RECORD_STAFF,
  "members.editContact": EDITORS,          // dispatchers: contact fields only
  "members.editRecord": RECORD_STAFF,      // names, dates, card type, classification…
  "members.editDemographics": OFFICERS,    // gender, ethnicity
  "members.status": RECORD_STAFF,          // POST /members/{id}/status (per-action roles below)
  "members.delete": RECORD_STAFF,
  "members.includeDeleted": RECORD_STAFF,
  "employment.add": RECORD_STAFF,
  "notes.view": READERS,
  "notes.add": READERS,                    // edit/delete: the author or an admin (the API sends `editable`)
  "notes.versions": ["admin"],             // GET …/notes/{id}/history
  "employers.view": READERS,
  "employers.edit": EDITORS,
  "audit.view": STAFF_ROLES,
  "audit.any": OFFICERS,                   // others see entries about their own actions only
  "audit.export": ["admin"],
  "users.admin": ["admin"],
  "profile.edit": ["member"],              // PATCH /me
};

export function can(roles, capability) {
  const allowed = CAPABILITIES[capability] || [];
  return (roles || []).some((r) => allowed.includes(r));
}

export const MEMBER_STATUS = ["active", "inactive", "suspended", "retired", "deceased"];
export const CARD_TYPES = ["A", "BA", "CE", "CW", "APP"];
export const CLASSIFICATIONS = [
  "apprentice_1", "apprentice_2", "apprentice_3", "apprentice_4", "apprentice_5",
  "journeyman", "foreman", "retiree", "honorary",
];

export const CARD_TYPE_LABELS = {
  A: "A – Inside (A card)",
  BA: "BA – Inside (BA card)",
  CE: "CE – Construction electrician",
  CW: "CW – Construction wireman",
  APP: "APP – Apprentice",
};

export const NOTE_CATEGORIES = ["general", "contact", "dues", "grievance", "referral", "benevolence"];
export const NOTE_VISIBILITY = ["staff_only", "officers", "all_authorized"];
export const NOTE_VISIBILITY_LABELS = {
  staff_only: "Only me (and administrators)",
  officers: "Officers",
  all_authorized: "All staff who can read notes",
};
export const CONTRACT_CODES = [
  "WIREPERSON", "SOUND & COMM", "RESIDENTIAL", "STOCKPERSON", "LT FXT MAINT",
  "GROUP MARINE", "GROUP TV & APPL", "MARKET RECOVERY",
];
export const EMPLOYMENT_SOURCES = ["direct_hire", "correction"];

/** Membership status changes are named actions (POST /members/{id}/status). */
export const STATUS_ACTIONS = [
  { value: "withdraw", label: "Withdraw (to inactive)", from: ["active"], roles: RECORD_STAFF },
  { value: "drop_for_nonpayment", label: "Drop for non-payment (to inactive)", from: ["active"], roles: OFFICERS },
  { value: "reinstate", label: "Reinstate (to active)", from: ["inactive"], roles: RECORD_STAFF },
  { value: "suspend", label: "Suspend", from: ["active"], roles: OFFICERS },
  { value: "lift_suspension", label: "Lift suspension (to active)", from: ["suspended"], roles: OFFICERS },
  { value: "retire", label: "Retire", from: ["active", "inactive"], roles: RECORD_STAFF },
  { value: "return_to_work", label: "Return to work (to active)", from: ["retired"], roles: OFFICERS },
  { value: "record_death", label: "Record death", from: ["active", "inactive", "suspended", "retired"], roles: RECORD_STAFF },
];

/** entity_type values written by the API's audit trail. */
export const AUDIT_ENTITY_MEMBER = "member";
export const AUDIT_ENTITY_TYPES = [
  "member", "organization", "employment", "member_note", "contract", "contact", "worksite",
  "user", "session", "authorization", "audit",
];

export function humanize(value) {
  if (value === null || value === undefined || value === "") return "";
  const s = String(value);
  const appr = /^apprentice_(\d)$/.exec(s);
  if (appr) return `Apprentice ${appr[1]}`;
  return s.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());
}

export function options(values, labels) {
  return values.map((v) => ({ value: v, label: (labels && labels[v]) || humanize(v) }));
}

/**
 * Member fields in display order. `cap` = capability needed to edit it
 * (absent = never edited from the detail form). `self` = a member may edit
 * it on "My profile".
 */
export const MEMBER_FIELDS = [
  { name: "member_number", label: "Card number", group: "identity", create: true, inputmode: "numeric", maxlength: 7, hint: "7 digits" },
  { name: "first_name", label: "First name", group: "identity", cap: "members.editRecord", create: true, required: true },
  { name: "middle_name", label: "Middle name", group: "identity", cap: "members.editRecord", create: true },
  { name: "last_name", label: "Last name", group: "identity", cap: "members.editRecord", create: true, required: true },
  { name: "suffix", label: "Suffix", group: "identity", cap: "members.editRecord", create: true },
  { name: "date_of_birth", label: "Date of birth", group: "identity", type: "date", cap: "members.editRecord", create: true, required: true },
  { name: "gender", label: "Gender", group: "identity", cap: "members.editDemographics", create: true, restricted: true },
  { name: "ethnicity", label: "Ethnicity", group: "identity", cap: "members.editDemographics", create: true, restricted: true },

  { name: "phone", label: "Phone", group: "contact", type: "tel", cap: "members.editContact", self: true, create: true, autocomplete: "tel", hint: "10 digits, e.g. (503) 555-0142" },
  { name: "email", label: "Email", group: "contact", type: "email", cap: "members.editContact", self: true, create: true, autocomplete: "email" },
  { name: "address_line1", label: "Address line 1", group: "contact", cap: "members.editContact", self: true, create: true, autocomplete: "address-line1" },
  { name: "address_line2", label: "Address line 2", group: "contact", cap: "members.editContact", self: true, create: true, autocomplete: "address-line2" },
  { name: "city", label: "City", group: "contact", cap: "members.editContact", self: true, create: true, autocomplete: "address-level2" },
  { name: "state", label: "State", group: "contact", cap: "members.editContact", self: true, create: true, autocomplete: "address-level1", maxlength: 2, hint: "Two letters, e.g. OR" },
  { name: "zip", label: "ZIP code", group: "contact", cap: "members.editContact", self: true, create: true, autocomplete: "postal-code", inputmode: "numeric", maxlength: 10 },

  { name: "card_type", label: "Card type", group: "membership", type: "select", options: options(CARD_TYPES, CARD_TYPE_LABELS), cap: "members.editRecord", create: true, required: true },
  { name: "classification", label: "Classification", group: "membership", type: "select", options: options(CLASSIFICATIONS), cap: "members.editRecord", create: true, required: true },
  { name: "trade_classification", label: "Trade classification", group: "membership", cap: "members.editRecord", create: true },
  // Status changes only through named actions (see STATUS_ACTIONS).
  { name: "status", label: "Status", group: "membership", type: "select", options: options(MEMBER_STATUS), create: true, required: true },
  { name: "initiation_date", label: "Initiation date", group: "membership", type: "date", cap: "members.editRecord", create: true },
  { name: "local_number", label: "Local number", group: "membership", cap: "members.editRecord", create: true, inputmode: "numeric", maxlength: 4, hint: "4 digits, e.g. 0046" },
];

export const MEMBER_GROUPS = [
  { id: "contact", title: "Contact" },
  { id: "membership", title: "Membership" },
  { id: "identity", title: "Identity" },
];

export const FIELD_LABELS = Object.fromEntries(MEMBER_FIELDS.map((f) => [f.name, f.label]));

export function fieldLabel(name) {
  return FIELD_LABELS[name] || humanize(name);
}

// ---------------------------------------------------------------- API problems

const FORMAT_HINTS = {
  zip: "Enter a 5-digit ZIP code (or ZIP+4, e.g. 98101-1234).",
  state: "Use the two-letter state code, e.g. WA.",
  member_number: "Enter the 7-digit card number.",
  local_number: "Enter the 4-digit local number, e.g. 0046.",
  code: "Use letters, digits and dashes only (up to 20).",
  phone: "Enter a 10-digit phone number.",
};

/**
 * The API reports validation problems in the words of its validator
 * ("String should match pattern '^\\d{5}$'"). Turn the common ones into
 * plain language; pass anything else through unchanged.
 */
export function friendlyProblem(name, problem) {
  const text = String(problem || "");
  const field = String(name || "").split(".").pop();
  if (/should match pattern/i.test(text)) return FORMAT_HINTS[field] || "This is not in the expected format.";
  if (/not a valid email/i.test(text)) return "Enter a valid email address.";
  if (/^field required$|^required$|missing/i.test(text)) return "Required.";
  if (/should be a valid date|invalid date|input should be a valid date/i.test(text)) return "Enter a valid date.";
  if (/10-digit phone/i.test(text)) return FORMAT_HINTS.phone;
  if (/at most (\d+) characters/i.test(text)) return `Use at most ${/at most (\d+)/i.exec(text)[1]} characters.`;
  if (/at least 1 character/i.test(text)) return "Required.";
  if (/^unknown field$/i.test(text)) return "This field can't be changed here.";
  const plain = text.replace(/^value error, /i, "").replace(/\b[a-z]+(?:_[a-z0-9]+)+\b/g, (w) => w.replace(/_/g, " "));
  return plain.replace(/^\w/, (c) => c.toUpperCase());
}

// ---------------------------------------------------------------- formatting

const dateFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
});

/** "YYYY-MM-DD" -> localized date without any time-zone shift. */
export function formatDate(value) {
  if (!value) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
  if (m) return dateFmt.format(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return formatDateTime(value);
}

export function formatDateTime(value) {
  if (!value) return "";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : dateTimeFmt.format(d);
}

export function formatValue(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** 10-digit NANP numbers as (503) 555-0142; anything else unchanged. */
export function formatPhone(value) {
  if (!value) return "—";
  const d = String(value).replace(/\D/g, "");
  const national = d.length === 11 && d.startsWith("1") ? d.slice(1) : d;
  if (national.length === 10) return `(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`;
  return String(value);
}

export function formatMoney(value) {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  return Number.isNaN(n) ? String(value) : n.toLocaleString(undefined, { style: "currency", currency: "USD" });
}

export function fullName(m) {
  if (!m) return "";
  return [m.first_name, m.middle_name, m.last_name, m.suffix].filter(Boolean).join(" ");
}

/** Fields whose value differs between two records (loose string compare). */
export function changedFields(before, after, names) {
  const norm = (v) => (v === null || v === undefined ? "" : String(v));
  return names.filter((n) => norm(before[n]) !== norm(after[n]));
}
