// #/employers: search by name or code, contract filter, "Load more".

import { base, compose, store } from "../../core/forms.js";
import { PAGE_SIZE, runSearch, loadMore } from "../../core/paging.js";
import { CONTRACT_CODES } from "./model.js";

/** The list's state in the `lists` store (kept when going back from an employer). */
export function freshEmployerSearch() {
  return { q: "", contract_code: "", items: [], next_cursor: null, searched: false };
}

export function employersView() {
  return compose(base(), {
    loading: false,
    contractCodes: CONTRACT_CODES,
    get s() {
      return store("lists").employers;
    },
    init() {
      if (!this.s.searched) this.search();
    },
    query(cursor) {
      return { q: this.s.q.trim(), contract_code: this.s.contract_code, limit: PAGE_SIZE, cursor };
    },
    search() {
      return runSearch(this, "/employers", "employer", { q: "Search", contract_code: "Contract" });
    },
    loadMore() {
      return loadMore(this, "/employers");
    },
    clearFilters() {
      Object.assign(this.s, { q: "", contract_code: "" });
      this.search();
    },
  });
}
