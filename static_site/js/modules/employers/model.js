// Employer vocabulary: fields, contract codes, contract state.

export const CONTRACT_CODES = [
  "WIREPERSON", "SOUND & COMM", "RESIDENTIAL", "STOCKPERSON", "LT FXT MAINT",
  "GROUP MARINE", "GROUP TV & APPL", "MARKET RECOVERY",
];

export const EMPLOYER_FIELDS = [
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
export const EMPLOYER_LABELS = Object.fromEntries(EMPLOYER_FIELDS.map((f) => [f.name, f.label]));

export function contractState(c) {
  const today = new Date().toISOString().slice(0, 10);
  if (c.status) return c.status;
  if (c.effective_date && c.effective_date > today) return "future";
  if (c.expiration_date && c.expiration_date < today) return "expired";
  return "active";
}
