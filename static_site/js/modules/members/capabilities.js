// What the UI offers to which roles (see core/permissions.js). Each entry
// names the API route it stands for; tests/unit/test_web_permissions.py
// checks the roles against the server's route registry. "narrower": the UI
// offers this to fewer roles than the route allows, because the server
// applies a finer rule inside the route (the text says which).
// Keep the object in JSON form (quoted keys, no comments inside): the test
// parses it.

export default /* capabilities */ {
  "members.view": {
    "route": "GET /members",
    "roles": ["admin", "officer", "dispatcher", "staff", "organizer"]
  },
  "members.create": {
    "route": "POST /members",
    "roles": ["admin", "officer", "staff"]
  },
  "members.editContact": {
    "route": "PATCH /members/{member_id}",
    "roles": ["admin", "officer", "dispatcher", "staff"]
  },
  "members.editRecord": {
    "route": "PATCH /members/{member_id}",
    "roles": ["admin", "officer", "staff"],
    "narrower": "names, dates, card type, classification…: dispatchers may change contact fields only (services/members.py update)"
  },
  "members.editDemographics": {
    "route": "PATCH /members/{member_id}",
    "roles": ["admin", "officer"],
    "narrower": "gender and ethnicity: DEMOGRAPHICS_READERS (domain/roles.py; services/members.py update)"
  },
  "members.status": {
    "route": "POST /members/{member_id}/status",
    "roles": ["admin", "officer", "staff"]
  },
  "members.status.withdraw": {
    "route": "POST /members/{member_id}/status",
    "roles": ["admin", "officer", "staff"],
    "narrower": "per action: TRANSITIONS in domain/members.py"
  },
  "members.status.drop_for_nonpayment": {
    "route": "POST /members/{member_id}/status",
    "roles": ["admin", "officer"],
    "narrower": "per action: TRANSITIONS in domain/members.py"
  },
  "members.status.reinstate": {
    "route": "POST /members/{member_id}/status",
    "roles": ["admin", "officer", "staff"],
    "narrower": "per action: TRANSITIONS in domain/members.py"
  },
  "members.status.suspend": {
    "route": "POST /members/{member_id}/status",
    "roles": ["admin", "officer"],
    "narrower": "per action: TRANSITIONS in domain/members.py"
  },
  "members.status.lift_suspension": {
    "route": "POST /members/{member_id}/status",
    "roles": ["admin", "officer"],
    "narrower": "per action: TRANSITIONS in domain/members.py"
  },
  "members.status.retire": {
    "route": "POST /members/{member_id}/status",
    "roles": ["admin", "officer", "staff"],
    "narrower": "per action: TRANSITIONS in domain/members.py"
  },
  "members.status.return_to_work": {
    "route": "POST /members/{member_id}/status",
    "roles": ["admin", "officer"],
    "narrower": "per action: TRANSITIONS in domain/members.py"
  },
  "members.status.record_death": {
    "route": "POST /members/{member_id}/status",
    "roles": ["admin", "officer", "staff"],
    "narrower": "per action: TRANSITIONS in domain/members.py"
  },
  "members.delete": {
    "route": "DELETE /members/{member_id}",
    "also": ["POST /members/{member_id}/restore"],
    "roles": ["admin", "officer", "staff"]
  },
  "members.includeDeleted": {
    "route": "GET /members",
    "roles": ["admin", "officer", "staff"],
    "narrower": "include_deleted=true is honoured for admin, officer and staff only (app.py members_list)"
  }
};
