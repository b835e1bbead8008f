// Employment: the member record's Employment tab (no screen of its own).

import capabilities from "./capabilities.js";
import { employmentTab } from "./member-tab.js";

export default {
  name: "employment",
  url: import.meta.url,
  capabilities,
  extensions: {
    "member.tabs": [{
      id: "employment",
      label: "Employment",
      order: 20,
      template: "member-tab.html",
      state: employmentTab,
      onSelect() {
        if (!this.employment.loaded) this.loadEmployment();
      },
    }],
  },
};
