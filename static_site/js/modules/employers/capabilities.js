// What the UI offers to which roles (see core/permissions.js and
// modules/members/capabilities.js for the format; checked by
// tests/unit/test_web_permissions.py).

export default /* capabilities */ {
  "employers.view": {
    "route": "GET /employers",
    "also": ["GET /employers/{org_id}"],
    "roles": ["admin", "officer", "dispatcher", "staff", "organizer"]
  },
  "employers.edit": {
    "route": "PATCH /employers/{org_id}",
    "also": [
      "POST /employers",
      "POST /employers/{org_id}/contracts",
      "POST /employers/{org_id}/contacts",
      "POST /employers/{org_id}/worksites",
      "PATCH /employers/{org_id}/contacts/{contact_id}",
      "DELETE /employers/{org_id}/contacts/{contact_id}",
      "PATCH /employers/{org_id}/contracts/{contract_id}",
      "POST /employers/{org_id}/contracts/{contract_id}/end"
    ],
    "roles": ["admin", "officer", "dispatcher", "staff"]
  }
};
