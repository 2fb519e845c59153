/** Security events recorded for the user's own audit trail (ListAuditEvents). */
export type AuditEventType =
  | "user.registered"
  | "user.updated"
  | "user.deleted"
  | "login.succeeded"
  | "login.failed"
  | "logout"
  | "token.reuse_detected"
  | "session.revoked"
  | "sessions.revoked_all"
  | "password.changed"
  | "password.reset"
  | "contact.verified"
  | "mfa.enrolled"
  | "mfa.enabled"
  | "mfa.disabled"
  | "mfa.failed"
  | "mfa.recovery_code_used"
  | "password.check_failed"
  | "otp.failed"
  | "account.locked"
  | "account.claimed"
  | "session.reauthenticated"
  | "api_key.created"
  | "api_key.revoked"
  | "admin.user_disabled"
  | "admin.user_enabled"
  | "admin.roles_changed"
  | "admin.sessions_revoked"
  | "plan.changed"
  | "provider.linked"
  | "provider.unlinked"
  | "oauth.failed"
  | "passkey.registered"
  | "passkey.deleted"
  | "passkey.failed";

export interface AuditEventInput {
  userId: string | null;
  type: AuditEventType;
  outcome: "success" | "failure";
  sessionId?: string | null;
  /** Never a secret: no passwords, codes or tokens. */
  metadata?: Record<string, string | number | boolean>;
}
