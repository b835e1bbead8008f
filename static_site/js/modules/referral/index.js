// Referral: the member record's Qualifications tab (the books and tiers a
// member qualifies for, referral-rules §3.5). The referral engine's screens
// will live in this folder too.

import capabilities from "./capabilities.js";
import { qualificationsTab } from "./member-tab.js";

export default {
  name: "referral",
  url: import.meta.url,
  capabilities,
  extensions: {
    "member.tabs": [{
      id: "qualifications",
      label: "Qualifications",
      order: 25,
      cap: "qualifications.view",
      template: "member-tab.html",
      state: qualificationsTab,
      onSelect() {
        if (!this.qualifications.loaded) this.loadQualifications();
      },
    }],
  },
};
