// What the UI offers to which roles (see core/permissions.js and
// modules/members/capabilities.js for the format; checked by
// tests/unit/test_web_permissions.py). Editing and deleting a note is not a
// capability: the API marks the notes the caller may change (`editable`: the
// author, or an admin).

export default /* capabilities */ {
  "notes.view": {
    "route": "GET /members/{member_id}/notes",
    "roles": ["admin", "officer", "dispatcher", "staff", "organizer"]
  },
  "notes.add": {
    "route": "POST /members/{member_id}/notes",
    "roles": ["admin", "officer", "dispatcher", "staff", "organizer"]
  },
  "notes.versions": {
    "route": "GET /members/{member_id}/notes/{note_id}/history",
    "roles": ["admin"]
  }
};
