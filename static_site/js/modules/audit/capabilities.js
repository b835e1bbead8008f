// What the UI offers to which roles (see core/permissions.js and
// modules/members/capabilities.js for the format; checked by
// tests/unit/test_web_permissions.py).

export default /* capabilities */ {
  "audit.view": {
    "route": "GET /audit",
    "roles": ["admin", "officer", "dispatcher", "staff", "organizer", "instructor"]
  },
  "audit.any": {
    "route": "GET /audit",
    "roles": ["admin", "officer"],
    "narrower": "any record or actor: other roles see entries about their own actions only (services/audit.py query)"
  },
  "audit.export": {
    "route": "POST /audit/exports",
    "also": ["GET /audit/exports/{job_id}"],
    "roles": ["admin"]
  }
};
