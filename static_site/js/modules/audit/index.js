// Audit: the audit log screen, and the member record's History tab.

import capabilities from "./capabilities.js";
import { auditView } from "./log.js";
import { memberHistoryTab } from "./member-history.js";

export default {
  name: "audit",
  url: import.meta.url,
  capabilities,
  views: { auditView },
  routes: [
    { pattern: "/audit", name: "audit", template: "log.html", section: "audit", cap: "audit.view", title: "Audit log",
      nav: { label: "Audit log", order: 30 }, home: { rank: 4 } },
  ],
  extensions: {
    "member.tabs": [{
      id: "history",
      label: "History",
      order: 90,
      template: "member-history.html",
      state: memberHistoryTab,
      onSelect() {
        if (!this.history.loaded) this.loadHistory();
      },
      onRecordChanged() {
        this.history.loaded = false;
      },
    }],
  },
};
