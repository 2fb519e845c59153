/** In-memory stand-ins for application ports, for use-case unit tests (no server, no database). */
import type { AuditRecord } from "../../src/application/ports/audit.js";
import type { AttemptLimiter, LimitState } from "../../src/application/ports/coordination.js";
import type { Notification } from "../../src/application/ports/delivery.js";

/** Allows `points` per key; records every key consumed. */
export function countingLimiter(points: number): AttemptLimiter & { keys: string[] } {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  const state = (used: number): LimitState =>
    used <= points ? { allowed: true, remaining: points - used, retryAfterSeconds: 0 } : { allowed: false, remaining: 0, retryAfterSeconds: 30 };
  return {
    keys,
    async consume(key) {
      keys.push(key);
      const used = (counts.get(key) ?? 0) + 1;
      counts.set(key, used);
      return state(used);
    },
    async peek(key) {
      const used = counts.get(key) ?? 0;
      return used < points ? state(used) : { allowed: false, remaining: 0, retryAfterSeconds: 30 };
    },
    async reset(key) {
      counts.delete(key);
    },
  };
}

/** An audit log that keeps what it is given. */
export function recordingAudit(): { record(r: AuditRecord): Promise<void>; rows: AuditRecord[] } {
  const rows: AuditRecord[] = [];
  return {
    rows,
    async record(r) {
      rows.push(r);
    },
  };
}

/** A notifier that keeps what it is asked to send. */
export function recordingNotifier(): { send(n: Notification): Promise<void>; sent: Notification[] } {
  const sent: Notification[] = [];
  return {
    sent,
    async send(n) {
      sent.push(n);
    },
  };
}
