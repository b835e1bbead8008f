// The one "someone else changed this record" flow.
//
// Every edit sends the `version` of the record it started from. When another
// user saved in between, the API answers 409 CONCURRENT_UPDATE, usually with
// the latest version of the record in `error.current`. Every screen handles
// that the same way, through this module:
//
//  * a whole-record edit form (core/record-editor.js) keeps the user's input
//    and shows the conflict banner (partials/conflict-banner.html): which
//    fields the other person changed, "Reload latest version" or "Reload and
//    keep my changes" (editConflict + latestVersion);
//  * any other form that sends a version (inline edits of notes, jobs,
//    contacts, contracts; adding a contract/contact/worksite; a status change;
//    delete/restore) shows conflictMessage() in its alert and puts the latest
//    version on screen at once (saveFailed); the user checks it and submits
//    again.

import { ApiError } from "./api.js";
import { changedFields } from "./forms.js";

export const CONFLICT_CODE = "CONCURRENT_UPDATE";

/** True for the API's optimistic-locking answer (other 409s, e.g. duplicates, are ordinary errors). */
export function isConflict(err) {
  return !!err && err.status === 409 && err.code === CONFLICT_CODE;
}

/** What a form says after a conflict; `what` names the record ("note", "employer", "record"). */
export function conflictMessage(what) {
  return `This ${what} was changed by someone else. The latest version is shown; try again.`;
}

/**
 * A failed save of a form that sent a version. Puts the problem into
 * `state` ({ errors, error }: messages next to the inputs and in the form's
 * alert). On a conflict, or a 404 (the item was removed meanwhile), it calls
 * reload(current) to put the latest version on screen; `current` is the
 * record from the 409 answer when the API sent one, else null. A failing
 * reload leaves the screen as it is. Resolves to true for a conflict.
 */
export async function saveFailed(state, err, { what, reload }) {
  const conflict = isConflict(err);
  state.errors = err instanceof ApiError ? err.fieldMap() : {};
  state.error = conflict ? conflictMessage(what) : err.message;
  if (conflict || err.status === 404) {
    try {
      await reload(err.current || null);
    } catch {
      /* keep what is on screen */
    }
  }
  return conflict;
}

/**
 * The record editor's conflict: the latest version when the API sent it and
 * which of `names` differ between what the user started from (`mine`) and it,
 * with their labels for the banner.
 */
export function editConflict(err, mine, names, labelOf) {
  const current = err.current || null;
  const fields = current ? changedFields(mine, current, names) : [];
  return { current, fields, labels: fields.map(labelOf) };
}

/** The latest version after a conflict: the one the 409 carried, else fetched. */
export async function latestVersion(conflict, fetchRecord) {
  return (conflict && conflict.current) || fetchRecord();
}
