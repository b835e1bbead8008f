// #/login: sign in, first sign-in with a temporary password (new password),
// the second step for staff roles (authenticator code; the first time: set
// up the authenticator, its key also as a QR code), forgot password -> code
// + new password, and the member portal's "Create my member account".

import { api, tokens, ApiError } from "../../core/api.js";
import { go } from "../../core/nav.js";
import { base, compose, requireFields, store, viewRoot } from "../../core/forms.js";

/** The otpauth:// URI as a QR code image (vendor/qrcode.js, qrcode-generator); "" if the library is missing. */
function qrDataUrl(text) {
  if (typeof window.qrcode !== "function") return "";
  const qr = window.qrcode(0, "M");
  qr.addData(text);
  qr.make();
  return qr.createDataURL(4, 4);
}

export function loginView() {
  return compose(base(), {
    step: "login", // login | newPassword | mfa | mfaSetup | forgot | reset | signup | signupConfirm
    email: "",
    mfaSecret: "",
    mfaUri: "",
    mfaQr: "",
    signupCard: "",
    signupLastName: "",
    signupDob: "",
    password: "",
    newPassword: "",
    confirmPassword: "",
    code: "",
    challengeSession: "",
    info: "",
    busy: false,

    init() {
      const session = store("session");
      this.info = session.notice;
      session.notice = "";
    },
    setStep(step) {
      this.step = step;
      this.clearErrors();
      this.password = "";
      this.newPassword = "";
      this.confirmPassword = "";
      this.code = "";
      this.$nextTick(() => {
        const h = viewRoot().querySelector("h1");
        if (h) {
          h.setAttribute("tabindex", "-1");
          h.focus();
        }
      });
    },
    async finishLogin(tokenResponse) {
      tokens.save(tokenResponse);
      const session = store("session");
      await session.load();
      const target = session.returnTo;
      session.returnTo = "";
      go(target && target !== "#/login" ? target : session.homeHash());
    },
    async login() {
      this.clearErrors();
      this.info = "";
      const missing = requireFields({ email: this.email, password: this.password }, ["email", "password"]);
      if (Object.keys(missing).length) return this.localErrors(missing, "Enter your email and password.");
      this.busy = true;
      try {
        const res = await api.auth("login", { email: this.email.trim(), password: this.password });
        if (res && res.challenge === "NEW_PASSWORD_REQUIRED") {
          this.challengeSession = res.session;
          this.setStep("newPassword");
          this.info = "You signed in with a temporary password. Choose a new password to continue.";
          return;
        }
        if (this.mfaStep(res)) return;
        await this.finishLogin(res);
      } catch (err) {
        this.password = "";
        if (err.status === 401) {
          // Show the server's message; never the generic "session expired" text here.
          this.showError(new ApiError(401, { error: { message: err.serverMessage || "Incorrect email or password." } }));
        } else if (err.status === 429) {
          let message = err.message;
          if (err.retryAfter) {
            const minutes = Math.max(1, Math.ceil(err.retryAfter / 60));
            message = `${message.replace(/\s*Try again later\.?\s*$/i, "")} Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
          }
          this.showError(new ApiError(429, { error: { message } }));
        } else {
          this.showError(err);
        }
      } finally {
        this.busy = false;
      }
    },
    passwordMismatch() {
      if (this.newPassword !== this.confirmPassword) {
        this.localErrors({ confirm_password: "The passwords do not match." }, "The passwords do not match.");
        return true;
      }
      return false;
    },
    async completeChallenge() {
      this.clearErrors();
      const missing = requireFields({ new_password: this.newPassword, confirm_password: this.confirmPassword }, ["new_password", "confirm_password"]);
      if (Object.keys(missing).length) return this.localErrors(missing);
      if (this.passwordMismatch()) return;
      this.busy = true;
      try {
        const res = await api.auth("challenge", {
          email: this.email.trim(), session: this.challengeSession, new_password: this.newPassword,
        });
        if (this.mfaStep(res)) return;
        await this.finishLogin(res);
      } catch (err) {
        if (err.status === 401) {
          this.setStep("login");
          this.info = "";
          this.showError(new ApiError(401, { error: { message: "Your sign-in attempt expired. Please sign in again with your temporary password." } }));
        } else {
          this.showError(err, { new_password: "New password", password: "New password" });
        }
      } finally {
        this.busy = false;
      }
    },
    /** Second sign-in step for staff roles (modules.md §1.2): enter a code, or first set up an authenticator. */
    mfaStep(res) {
      if (res && res.challenge === "SOFTWARE_TOKEN_MFA") {
        this.challengeSession = res.session;
        this.setStep("mfa");
        return true;
      }
      if (res && res.challenge === "MFA_SETUP") {
        this.challengeSession = res.session;
        this.mfaSecret = res.secret_code;
        this.mfaUri = res.otpauth_uri;
        this.mfaQr = qrDataUrl(res.otpauth_uri);
        this.setStep("mfaSetup");
        return true;
      }
      return false;
    },
    async submitMfa() {
      this.clearErrors();
      const code = this.code.replace(/\s+/g, "");
      if (!/^\d{6}$/.test(code)) {
        const msg = "Enter the 6-digit code from your authenticator app.";
        return this.localErrors({ code: msg }, msg);
      }
      this.busy = true;
      try {
        const res = this.step === "mfaSetup"
          ? await api.auth("mfa/setup", { session: this.challengeSession, code })
          : await api.auth("mfa", { email: this.email.trim(), session: this.challengeSession, code });
        this.mfaSecret = "";
        this.mfaUri = "";
        this.mfaQr = "";
        await this.finishLogin(res);
      } catch (err) {
        if (err.status === 401) {
          this.setStep("login");
          this.showError(new ApiError(401, { error: { message: "Your sign-in attempt expired. Please sign in again." } }));
        } else {
          this.code = "";
          this.showError(err, { code: "Authentication code" });
        }
      } finally {
        this.busy = false;
      }
    },
    /** Member portal self-registration (modules.md §1.4): match on card, last name, birth date; e-mail code. */
    async signUp() {
      this.clearErrors();
      this.info = "";
      const fields = { card_number: this.signupCard.trim(), last_name: this.signupLastName.trim(),
        date_of_birth: this.signupDob, email: this.email.trim(), password: this.newPassword,
        confirm_password: this.confirmPassword };
      const missing = requireFields(fields, Object.keys(fields));
      if (Object.keys(missing).length) return this.localErrors(missing);
      if (this.passwordMismatch()) return;
      this.busy = true;
      try {
        const { confirm_password: _unused, ...body } = fields;
        await api.auth("sign-up", body);
        this.setStep("signupConfirm");
        this.info = "If these details match a member of the local without an account, we sent a 6-digit code to "
          + `${body.email}. It is valid for 24 hours.`;
      } catch (err) {
        this.showError(err, { card_number: "Card number", last_name: "Last name", date_of_birth: "Date of birth",
          email: "Email", password: "Password" });
      } finally {
        this.busy = false;
      }
    },
    async confirmSignUp() {
      this.clearErrors();
      const missing = requireFields({ email: this.email, code: this.code }, ["email", "code"]);
      if (Object.keys(missing).length) return this.localErrors(missing);
      this.busy = true;
      try {
        await api.auth("sign-up/confirm", { email: this.email.trim(), code: this.code.trim() });
        this.setStep("login");
        this.info = "Your member account is ready. Sign in with your email and password.";
      } catch (err) {
        this.showError(err, { code: "Verification code", email: "Email" });
      } finally {
        this.busy = false;
      }
    },
    async requestCode() {
      this.clearErrors();
      const missing = requireFields({ email: this.email }, ["email"]);
      if (Object.keys(missing).length) return this.localErrors(missing, "Enter your email address.");
      this.busy = true;
      try {
        await api.auth("forgot-password", { email: this.email.trim() });
        this.setStep("reset");
        this.info = "If an account exists for that email, we sent it a verification code. Enter the code and a new password.";
      } catch (err) {
        this.showError(err);
      } finally {
        this.busy = false;
      }
    },
    async resetPassword() {
      this.clearErrors();
      const missing = requireFields(
        { code: this.code, new_password: this.newPassword, confirm_password: this.confirmPassword },
        ["code", "new_password", "confirm_password"],
      );
      if (Object.keys(missing).length) return this.localErrors(missing);
      if (this.passwordMismatch()) return;
      this.busy = true;
      try {
        await api.auth("confirm-forgot-password", {
          email: this.email.trim(), code: this.code.trim(), new_password: this.newPassword,
        });
        this.setStep("login");
        this.info = "Your password was changed. Sign in with your new password.";
      } catch (err) {
        this.showError(err, { code: "Verification code", new_password: "New password" });
      } finally {
        this.busy = false;
      }
    },
  });
}
