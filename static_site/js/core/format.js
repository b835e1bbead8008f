// Formatting for templates, field labels, and plain-language wording of the
// API's validation problems. Shared by every module; nothing here knows a
// particular screen.

export function humanize(value) {
  if (value === null || value === undefined || value === "") return "";
  const s = String(value);
  const appr = /^apprentice_(\d)$/.exec(s);
  if (appr) return `Apprentice ${appr[1]}`;
  return s.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());
}

/** [{ value, label }] for a <select>, labels from `labels` or humanized. */
export function options(values, labels) {
  return values.map((v) => ({ value: v, label: (labels && labels[v]) || humanize(v) }));
}

// ---------------------------------------------------------------- field labels

// Modules register the labels of their record fields (`labels` in the module
// definition): error summaries and audit change tables name fields with them.
const FIELD_LABELS = {};

export function registerFieldLabels(labels) {
  Object.assign(FIELD_LABELS, labels);
}

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

/** `tel:` link for a phone number as stored (digits and a leading +). */
export function telHref(value) {
  return `tel:${String(value || "").replace(/[^0-9+]/g, "")}`;
}

/** Hash link to a record's page, e.g. recordHref("members", id) -> "#/members/<id>". */
export function recordHref(section, id) {
  return `#/${section}/${encodeURIComponent(id)}`;
}

/** "line 1, City, ST 12345" from an address's parts; "—" when there is none. */
export function formatAddress(line1, city, state, zip) {
  const parts = [line1, city, [state, zip].filter(Boolean).join(" ")].filter(Boolean);
  return parts.length ? parts.join(", ") : "—";
}

export function formatMoney(value) {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  return Number.isNaN(n) ? String(value) : n.toLocaleString(undefined, { style: "currency", currency: "USD" });
}

/** A person's full name from first/middle/last/suffix. */
export function fullName(m) {
  if (!m) return "";
  return [m.first_name, m.middle_name, m.last_name, m.suffix].filter(Boolean).join(" ");
}
