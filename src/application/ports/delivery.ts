/** Messages to a user's email or phone. Ports owned by the application; adapters implement them. */
export type OtpPurpose = "verify_contact" | "login" | "reset_password";

export type Channel = "email" | "sms";

/**
 * A message to one destination. A `code` message carries a one-time code; `no_account` tells
 * a destination that a code was asked for but no account uses it (sent so that RequestOtp
 * behaves the same whether or not the contact is known); a `notice` tells the account's
 * contacts of a security event (a lock, a changed contact, password or second factor).
 */
export type Notification = CodeNotification | SecurityNotification;

export interface CodeNotification {
  channel: Channel;
  /** A normalized email, or an E.164 phone. */
  to: string;
  kind: "code" | "no_account";
  purpose: OtpPurpose;
  code?: string;
  expiresAt: Date;
}

export type SecurityNotice =
  | "account_locked"
  | "email_changed"
  | "phone_changed"
  | "password_changed"
  | "mfa_enabled"
  | "mfa_disabled"
  | "account_claimed"
  | "provider_linked"
  | "provider_unlinked"
  | "passkey_added"
  | "passkey_removed";

export interface SecurityNotification {
  channel: Channel;
  to: string;
  kind: "notice";
  notice: SecurityNotice;
  /** When the event happened. */
  at: Date;
}

export interface Notifier {
  /** Delivers or throws (DependencyUnavailableError when the provider is down). */
  send(notification: Notification): Promise<void>;
}
