// Employers: search, create, the employer with contracts, contacts and worksites.

import capabilities from "./capabilities.js";
import { employersView, freshEmployerSearch } from "./list.js";
import { employerNewView } from "./new.js";
import { employerDetailView } from "./detail.js";

export default {
  name: "employers",
  url: import.meta.url,
  capabilities,
  lists: { employers: freshEmployerSearch },
  views: { employersView, employerNewView, employerDetailView },
  routes: [
    { pattern: "/employers", name: "employers", template: "list.html", section: "employers", cap: "employers.view", title: "Employers",
      nav: { label: "Employers", order: 20 } },
    { pattern: "/employers/new", name: "employerNew", template: "new.html", section: "employers", cap: "employers.edit", title: "New employer" },
    { pattern: "/employers/:id", name: "employer", template: "detail.html", section: "employers", cap: "employers.view", title: "Employer" },
  ],
};
