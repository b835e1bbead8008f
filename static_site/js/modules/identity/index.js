// Identity: sign-in (with the staff second step and its set-up), member
// sign-up, password reset, My profile, and the users admin screen.

import capabilities from "./capabilities.js";
import { loginView } from "./login.js";
import { profileView } from "./profile.js";
import { usersView } from "./users.js";

export default {
  name: "identity",
  url: import.meta.url,
  capabilities,
  views: { loginView, profileView, usersView },
  routes: [
    { pattern: "/login", name: "login", template: "login.html", public: true, guestOnly: true, title: "Sign in" },
    { pattern: "/profile", name: "profile", template: "profile.html", section: "profile", cap: "profile", title: "My profile",
      nav: { label: "My profile", order: 40 }, home: { rank: 2, fallback: true } },
    { pattern: "/users", name: "users", template: "users.html", section: "users", cap: "users.admin", title: "Users",
      nav: { label: "Users", order: 50 }, home: { rank: 3 } },
  ],
};
