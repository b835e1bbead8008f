// What the UI offers to which roles (see core/permissions.js and
// modules/members/capabilities.js for the format; checked by
// tests/unit/test_web_permissions.py). "ui": a capability of the UI alone,
// with no route of its own (the text says what decides it).

export default /* capabilities */ {
  "users.admin": {
    "route": "GET /users",
    "also": [
      "POST /users",
      "PUT /users/{user_id}/roles",
      "POST /users/{user_id}/disable",
      "POST /users/{user_id}/enable"
    ],
    "roles": ["admin"]
  },
  "profile": {
    "ui": "the My profile page: a signed-in user linked to a member record (the session's hasProfile: the member role or a member_id), not a role list",
    "roles": []
  },
  "profile.edit": {
    "route": "PATCH /me",
    "roles": ["member"]
  }
};
