// Notes: the member record's Notes tab (no screen of its own).

import capabilities from "./capabilities.js";
import { notesTab } from "./member-tab.js";

export default {
  name: "notes",
  url: import.meta.url,
  capabilities,
  extensions: {
    "member.tabs": [{
      id: "notes",
      label: "Notes",
      order: 30,
      cap: "notes.view",
      template: "member-tab.html",
      state: notesTab,
      onSelect() {
        if (!this.notes.loaded) this.loadNotes();
      },
    }],
  },
};
