// Members: search, create, the member record (Details tab; other modules add
// tabs through the extension point "member.tabs", see detail.js).

import capabilities from "./capabilities.js";
import { FIELD_LABELS } from "./model.js";
import { membersView, freshMemberSearch } from "./list.js";
import { memberNewView } from "./new.js";
import { memberDetailView } from "./detail.js";

export default {
  name: "members",
  url: import.meta.url,
  capabilities,
  labels: FIELD_LABELS,
  lists: { members: freshMemberSearch },
  views: { membersView, memberNewView, memberDetailView },
  routes: [
    { pattern: "/members", name: "members", template: "list.html", section: "members", cap: "members.view", title: "Members",
      nav: { label: "Members", order: 10 }, home: { rank: 1 } },
    { pattern: "/members/new", name: "memberNew", template: "new.html", section: "members", cap: "members.create", title: "New member" },
    { pattern: "/members/:id", name: "member", template: "detail.html", section: "members", cap: "members.view", title: "Member" },
  ],
};
