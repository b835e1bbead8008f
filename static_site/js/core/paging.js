// Lists: cursor paging ("Load more"), tab lists filled from one GET, and the
// search of a list screen (its state kept in the `lists` store so that going
// back from a detail page keeps the results).

import { api } from "./api.js";
import { say, viewRoot } from "./forms.js";

export const PAGE_SIZE = 25;

/** Load-more paging helper state. */
export function pager() {
  return { items: [], next_cursor: null, loading: false, loaded: false, error: "" };
}

/** Fills a tab's list state ({ items, next_cursor, loading, loaded, error }) with the first page of a GET
 * answering { items, next_cursor }. */
export async function loadInto(state, path) {
  state.loading = true;
  state.error = "";
  try {
    const res = await api.get(path, { limit: PAGE_SIZE });
    state.items = res.items || [];
    state.next_cursor = res.next_cursor || null;
    state.loaded = true;
  } catch (err) {
    state.error = err.message;
  } finally {
    state.loading = false;
  }
}

/** "Load more" of a tab's list: the next page appended (see loadInto). */
export async function loadMoreInto(state, path) {
  if (!state.next_cursor || state.loading) return;
  state.loading = true;
  state.error = "";
  try {
    const res = await api.get(path, { limit: PAGE_SIZE, cursor: state.next_cursor });
    state.items = [...state.items, ...(res.items || [])];
    state.next_cursor = res.next_cursor || null;
    say(`${(res.items || []).length} more shown.`);
  } catch (err) {
    state.error = err.message;
  } finally {
    state.loading = false;
  }
}

/**
 * A list view's search: the first page into view.s, the count announced to
 * screen readers. The view provides `s` (its lists-store entry), `query(cursor)`,
 * `loading` and the base() error helpers. Only the newest search may fill the
 * list: the initial load must not overwrite a search typed meanwhile.
 */
export async function runSearch(view, path, noun, labels) {
  const seq = (view.searchSeq = (view.searchSeq || 0) + 1);
  view.clearErrors();
  view.loading = true;
  try {
    const res = await api.get(path, view.query());
    if (seq !== view.searchSeq) return;
    view.s.items = res.items || [];
    view.s.next_cursor = res.next_cursor || null;
    view.s.searched = true;
    const n = view.s.items.length;
    say(`${n}${view.s.next_cursor ? "+" : ""} ${noun}${n === 1 ? "" : "s"} found.`);
  } catch (err) {
    if (seq !== view.searchSeq) return;
    view.s.items = [];
    view.s.next_cursor = null;
    view.showError(err, labels);
  } finally {
    if (seq === view.searchSeq) view.loading = false;
  }
}

/**
 * "Load more" of a list view: the next page appended to view.s.items. With
 * `focusSelector`, focus moves to the first new row's link (matched by that
 * selector inside the view) so keyboard users continue where the list grew.
 */
export async function loadMore(view, path, focusSelector) {
  if (!view.s.next_cursor || view.loading) return;
  view.loading = true;
  const firstNew = view.s.items.length;
  try {
    const res = await api.get(path, view.query(view.s.next_cursor));
    view.s.items = view.s.items.concat(res.items || []);
    view.s.next_cursor = res.next_cursor || null;
    say(`Loaded ${(res.items || []).length} more.`);
    if (focusSelector) {
      view.$nextTick(() => {
        const link = viewRoot().querySelectorAll(focusSelector)[firstNew];
        if (link) link.focus();
      });
    }
  } catch (err) {
    view.showError(err);
  } finally {
    view.loading = false;
  }
}
