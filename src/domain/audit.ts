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
  | "password.changed";

export interface AuditEventInput {
  userId: string | null;
  type: AuditEventType;
  outcome: "success" | "failure";
  sessionId?: string | null;
  /** Never a secret: no passwords, codes or tokens. */
  metadata?: Record<string, string | number | boolean>;
}
