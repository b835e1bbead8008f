// Extension points: places where one module lets others add to its screens
// without knowing them. A module lists its contributions in its definition:
//
//   extensions: { "member.tabs": [{ id: "notes", label: "Notes", order: 30, ... }] }
//
// app.js registers them; the host module reads extensions("member.tabs").
// A contribution with a `template` also has its HTML inserted where the host's
// template says <!-- slot:member.tabs --> (core/templates.js).
//
// Extension points today:
//   member.tabs   tabs of the member record page (modules/members/detail.js
//                 documents what a tab provides)

const POINTS = new Map();

export function extend(point, item) {
  if (!POINTS.has(point)) POINTS.set(point, []);
  const items = POINTS.get(point);
  if (item.id && items.some((i) => i.id === item.id)) throw new Error(`${point}: "${item.id}" is added twice`);
  items.push(item);
  items.sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
}

/** The contributions to `point`, in their `order`. */
export function extensions(point) {
  return [...(POINTS.get(point) || [])];
}
