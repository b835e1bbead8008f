// How audit entries read: a one-line summary, or the changed fields as
// "field: before -> after" rows. Used by the audit log and the member
// record's History tab.

import { fieldLabel, formatValue, humanize } from "../../core/format.js";

/** entity_type values written by the API's audit trail. */
export const AUDIT_ENTITY_MEMBER = "member";
export const AUDIT_ENTITY_TYPES = [
  "member", "organization", "employment", "member_note", "contract", "contact", "worksite",
  "user", "session", "authorization", "audit",
];

const ACTION_TEXT = {
  CREATE: "Created the record",
  UPDATE: "Changed the record",
  DELETE: "Deleted the record",
  READ: "Viewed the record",
  BULK_READ: "Listed or searched records",
};

/** Rows "field: old -> new" for an audit entry. */
export function auditChanges(entry) {
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

/** One line describing an entry (used when there are no field changes to show). */
export function auditSummary(entry) {
  if (entry.extra && entry.extra.refused) return "Access refused";
  if (entry.action === "UPDATE" && !auditChanges(entry).length) return "Saved without changing any field";
  return ACTION_TEXT[entry.action] || humanize(entry.action);
}
