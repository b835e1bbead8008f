// #/members: search by card number, e-mail or last name, filters, "Load more".

import { base, compose, store } from "../../core/forms.js";
import { options } from "../../core/format.js";
import { PAGE_SIZE, runSearch, loadMore } from "../../core/paging.js";
import { MEMBER_STATUS, CARD_TYPES, CARD_TYPE_LABELS, CLASSIFICATIONS } from "./model.js";

/** The list's state in the `lists` store (kept when going back from a record). */
export function freshMemberSearch() {
  return { q: "", status: "", classification: "", card_type: "", include_deleted: false, items: [], next_cursor: null, searched: false };
}

export function membersView() {
  return compose(base(), {
    loading: false,
    statusOptions: options(MEMBER_STATUS),
    classificationOptions: options(CLASSIFICATIONS),
    cardTypeOptions: options(CARD_TYPES, CARD_TYPE_LABELS),

    get s() {
      return store("lists").members;
    },
    init() {
      if (!this.s.searched) this.search();
    },
    query(cursor) {
      return {
        q: this.s.q.trim(),
        status: this.s.status,
        classification: this.s.classification,
        card_type: this.s.card_type,
        include_deleted: this.s.include_deleted ? "true" : "",
        limit: PAGE_SIZE,
        cursor,
      };
    },
    search() {
      return runSearch(this, "/members", "member", { q: "Search", include_deleted: "Include deleted" });
    },
    loadMore() {
      return loadMore(this, "/members", "[data-testid='member-link']");
    },
    clearFilters() {
      Object.assign(this.s, { q: "", status: "", classification: "", card_type: "", include_deleted: false });
      this.search();
    },
  });
}
