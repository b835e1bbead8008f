// The Alpine stores every screen shares: session (who is signed in, what they
// may do, where "home" is), notify (the polite status region) and lists
// (search state that survives navigation).

import { api, logout as apiLogout } from "./api.js";
import { can, STAFF_ROLES } from "./permissions.js";
import { go } from "./nav.js";

/**
 * homes: routes that can be a user's home page, [{ hash, cap, rank, fallback }]
 * (the `home` of a module route): the first one by rank the user may open; the
 * route marked `fallback` when none.
 */
export function sessionStore(homes) {
  const ranked = [...homes].sort((a, b) => a.rank - b.rank);
  const fallback = homes.find((h) => h.fallback);
  return {
    status: "booting", // booting | anonymous | authenticated
    user: null,
    member: null,
    notice: "", // message for the login page (e.g. session expired)
    returnTo: "",
    get roles() {
      return (this.user && this.user.roles) || [];
    },
    get isStaff() {
      return this.roles.some((r) => STAFF_ROLES.includes(r));
    },
    get hasProfile() {
      return !!this.user && (this.roles.includes("member") || !!this.user.member_id);
    },
    can(capability) {
      // UI-only capability (modules/identity/capabilities.js): a user linked to a member record.
      if (capability === "profile") return this.hasProfile;
      return can(this.roles, capability);
    },
    homeHash() {
      const home = ranked.find((h) => this.can(h.cap)) || fallback;
      return home ? home.hash : "#/login";
    },
    async load() {
      const me = await api.get("/me");
      this.user = me.user;
      this.member = me.member || null;
      this.status = "authenticated";
    },
    clear() {
      this.user = null;
      this.member = null;
      this.status = "anonymous";
    },
    logout() {
      apiLogout(); // not awaited: revocation continues in the background
      this.clear();
      window.Alpine.store("lists").reset();
      this.notice = "You have signed out.";
      go("#/login");
    },
  };
}

export function notifyStore() {
  let timer = null;
  return {
    message: "",
    /** Polite status message (role=status region), e.g. "Changes saved." */
    say(message) {
      this.message = "";
      clearTimeout(timer);
      // Re-set on the next frame so repeated messages are announced again.
      requestAnimationFrame(() => {
        this.message = message;
        timer = setTimeout(() => {
          this.message = "";
        }, 6000);
      });
    },
  };
}

/**
 * Search state kept across navigation (back from a detail keeps results).
 * lists: { name: () => freshState } from the modules (`lists` in a module definition).
 */
export function listsStore(lists) {
  const fresh = () => Object.fromEntries(Object.entries(lists).map(([name, make]) => [name, make()]));
  return {
    ...fresh(),
    reset() {
      Object.assign(this, fresh());
    },
  };
}
