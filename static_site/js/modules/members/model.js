// Member vocabulary: enums, labels, field definitions, status actions. Other
// modules may import this file (My profile shows the member's own record).

import { options, formatDate, formatPhone, formatValue } from "../../core/format.js";

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

/**
 * Membership status changes are named actions (POST /members/{id}/status).
 * Who may take each: capability `members.status.<value>` (capabilities.js).
 */
export const STATUS_ACTIONS = [
  { value: "withdraw", label: "Withdraw (to inactive)", from: ["active"] },
  { value: "drop_for_nonpayment", label: "Drop for non-payment (to inactive)", from: ["active"] },
  { value: "reinstate", label: "Reinstate (to active)", from: ["inactive"] },
  { value: "suspend", label: "Suspend", from: ["active"] },
  { value: "lift_suspension", label: "Lift suspension (to active)", from: ["suspended"] },
  { value: "retire", label: "Retire", from: ["active", "inactive"] },
  { value: "return_to_work", label: "Return to work (to active)", from: ["retired"] },
  { value: "record_death", label: "Record death", from: ["active", "inactive", "suspended", "retired"] },
].map((a) => ({ ...a, cap: `members.status.${a.value}` }));

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

/** Fields to display in a group (restricted ones only when the API sent them). */
export function displayFields(record, group) {
  return MEMBER_FIELDS.filter((f) => f.group === group && (!f.restricted || (record && f.name in record)));
}

/** A member field's value as shown on the record pages. */
export function displayValue(record, field) {
  const v = record ? record[field.name] : null;
  if (field.type === "date") return formatDate(v) || "—";
  if (field.type === "tel") return formatPhone(v);
  if (field.type === "select") {
    const opt = field.options.find((o) => o.value === v);
    return opt ? opt.label : formatValue(v);
  }
  return formatValue(v);
}
