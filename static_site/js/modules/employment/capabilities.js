// What the UI offers to which roles (see core/permissions.js and
// modules/members/capabilities.js for the format; checked by
// tests/unit/test_web_permissions.py).

export default /* capabilities */ {
  "employment.add": {
    "route": "POST /members/{member_id}/employment",
    "also": [
      "POST /members/{member_id}/employment/{employment_id}/end",
      "POST /members/{member_id}/employment/{employment_id}/correct"
    ],
    "roles": ["admin", "officer", "staff"]
  }
};
