// Building blocks of every screen's Alpine component: form values, errors
// shown at the top of a form and next to inputs (with focus moved to the first
// problem), inline sub-forms, and `compose` to put mixins together.

import { ApiError } from "./api.js";
import { roleLabel } from "./permissions.js";
import {
  humanize, fieldLabel, formatAddress, formatDate, formatDateTime, formatValue, formatMoney, formatPhone, fullName,
  recordHref, telHref,
} from "./format.js";

export const store = (name) => window.Alpine.store(name);

/**
 * The mounted view. (Not `this.$root`: inside an event handler that magic is
 * resolved from the clicked element, which an x-if may just have removed.)
 */
export const viewRoot = () => document.getElementById("main");

/** Polite announcement in the status region ("Changes saved."). */
export const say = (message) => store("notify").say(message);

/** Copy of `names` from obj, missing values as "". */
export function pick(obj, names) {
  const out = {};
  for (const n of names) out[n] = obj && obj[n] !== undefined && obj[n] !== null ? obj[n] : "";
  return out;
}

/** Trimmed copy with "" -> null, for request bodies. */
export function clean(values) {
  const out = {};
  for (const [k, v] of Object.entries(values)) {
    const t = typeof v === "string" ? v.trim() : v;
    out[k] = t === "" ? null : t;
  }
  return out;
}

/** Trimmed copy without empty values, for create bodies (server defaults apply). */
export function compact(values) {
  const out = {};
  for (const [k, v] of Object.entries(clean(values))) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

/** {name: "Required."} for each of `names` that is empty. */
export function requireFields(values, names) {
  const errors = {};
  for (const n of names) {
    const v = values[n];
    if (v === undefined || v === null || String(v).trim() === "") errors[n] = "Required.";
  }
  return errors;
}

/** Fields whose value differs between two records (loose string compare). */
export function changedFields(before, after, names) {
  const norm = (v) => (v === null || v === undefined ? "" : String(v));
  return names.filter((n) => norm(before[n]) !== norm(after[n]));
}

/** Focus an element by id once Alpine has rendered it (inline edit forms). */
export function focusSoon(component, id) {
  component.$nextTick(() => {
    const el = document.getElementById(id);
    if (el) el.focus();
  });
}

/** An inline sub-form's state: which row it edits, its values and its errors. */
export function inlineForm() {
  return { id: "", mode: "", form: {}, errors: {}, error: "" };
}

/**
 * One component from several mixins. Unlike `{...a, ...b}` this keeps getters
 * as getters (a spread would evaluate them once), and a name defined twice is
 * an error rather than a silent override.
 */
export function compose(...parts) {
  const out = {};
  for (const part of parts) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(part))) {
      if (Object.prototype.hasOwnProperty.call(out, key)) throw new Error(`compose: "${key}" is defined twice`);
      Object.defineProperty(out, key, descriptor);
    }
  }
  return out;
}

/** What every view component starts from: error state, formatting helpers for templates, `can`. */
export function base() {
  return {
    errors: {},
    formError: "",
    fieldSummary: [],
    // formatting helpers for templates (Alpine's CSP build reaches no globals: links are built here too)
    humanize, fieldLabel, formatDate, formatDateTime, formatValue, formatMoney, formatPhone, fullName, roleLabel,
    formatAddress, recordHref, telHref,

    can(cap) {
      return store("session").can(cap);
    },
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
