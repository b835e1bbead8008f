// #/users (admins): list users, invite one with roles, enable/disable, change roles.

import { api } from "../../core/api.js";
import { base, compact, compose, requireFields, say } from "../../core/forms.js";
import { pager } from "../../core/paging.js";
import { ROLES } from "../../core/permissions.js";

export function usersView() {
  return compose(base(), {
    roles: ROLES,
    list: pager(),
    invite: { email: "", roles: [], member_id: "", display_name: "" },
    inviting: false,
    rowBusy: "",
    rowError: { id: "", message: "" },
    editingRoles: "",
    roleDraft: [],

    init() {
      this.load();
    },
    async load(more = false) {
      this.list.loading = true;
      this.list.error = "";
      try {
        const res = await api.get("/users", { limit: 100, cursor: more ? this.list.next_cursor : null });
        this.list.items = more ? this.list.items.concat(res.items || []) : res.items || [];
        this.list.next_cursor = res.next_cursor || null;
        this.list.loaded = true;
      } catch (err) {
        this.list.error = err.message;
      } finally {
        this.list.loading = false;
      }
    },
    async sendInvite() {
      this.clearErrors();
      const errors = requireFields(this.invite, ["email"]);
      if (!this.invite.roles.length) errors.roles = "Choose at least one role.";
      if (this.invite.roles.includes("member") && !this.invite.member_id.trim()) errors.member_id = "Required for the member role.";
      if (Object.keys(errors).length) return this.localErrors(errors, "Please correct the highlighted fields.");
      this.inviting = true;
      try {
        const body = compact({ email: this.invite.email, member_id: this.invite.member_id, display_name: this.invite.display_name });
        body.roles = [...this.invite.roles];
        await api.post("/users", body);
        say(`Invitation sent to ${body.email}. They will receive a temporary password by email.`);
        this.invite = { email: "", roles: [], member_id: "", display_name: "" };
        await this.load();
      } catch (err) {
        this.showError(err, { member_id: "Member ID", roles: "Roles", display_name: "Display name" });
      } finally {
        this.inviting = false;
      }
    },
    async setEnabled(user, enabled) {
      this.rowBusy = user.id;
      this.rowError = { id: "", message: "" };
      try {
        await api.post(`/users/${encodeURIComponent(user.id)}/${enabled ? "enable" : "disable"}`, {});
        say(`${user.email} ${enabled ? "enabled" : "disabled"}.`);
        await this.load();
      } catch (err) {
        this.rowError = { id: user.id, message: err.message };
      } finally {
        this.rowBusy = "";
      }
    },
    editRoles(user) {
      this.editingRoles = user.id;
      this.roleDraft = [...(user.roles || [])];
      this.rowError = { id: "", message: "" };
    },
    async saveRoles(user) {
      if (!this.roleDraft.length) {
        this.rowError = { id: user.id, message: "Choose at least one role." };
        return;
      }
      this.rowBusy = user.id;
      try {
        await api.put(`/users/${encodeURIComponent(user.id)}/roles`, { roles: [...this.roleDraft] });
        say(`Roles updated for ${user.email}.`);
        this.editingRoles = "";
        await this.load();
      } catch (err) {
        this.rowError = { id: user.id, message: err.message };
      } finally {
        this.rowBusy = "";
      }
    },
  });
}
