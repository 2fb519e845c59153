/**
 * Security-relevant outcomes counted for operators' alerts (docs/operations.md, "Runbook:
 * alerts"). A port owned by the application; the metrics adapter implements it. Only the kind
 * of event is passed: never a user id, identifier, IP address or token.
 */
export type SecurityEvent = "account_locked" | "refresh_token_reused";

export interface SecurityEvents {
  /** Counts one event; must not throw (a lost count never fails the call). */
  record(event: SecurityEvent): void;
}
