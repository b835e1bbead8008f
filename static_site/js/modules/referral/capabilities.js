// What the UI offers to which roles (format: core/permissions.js; checked
// against the API's route registry by tests/unit/core/test_web_permissions.py).

export default /* capabilities */ {
  "qualifications.view": {
    "route": "GET /members/{member_id}/qualifications",
    "roles": ["admin", "officer", "dispatcher", "staff", "organizer", "member"]
  },
  "qualifications.edit": {
    "route": "PUT /members/{member_id}/qualifications/{book_code}",
    "roles": ["admin", "officer", "dispatcher", "staff"],
    "also": ["GET /books"]
  }
};
