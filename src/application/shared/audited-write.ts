import type { AuditEventType } from "../../domain/audit.js";
import type { RequestContext } from "../ports/time.js";
import type { Repositories } from "../ports/unit-of-work.js";
import { auditRecord } from "./audit.js";
import type { CoreDeps } from "./deps.js";

export interface AuditDetails {
  outcome?: "success" | "failure";
  /** Defaults to the actor's session. */
  sessionId?: string | null;
  /** Never a secret. */
  metadata?: Record<string, string | number | boolean>;
}

/** The audit trail of one call: whose account, which session, from where (the request). */
export interface AuditTrail {
  /** Writes one event in the caller's transaction (or on the plain unit of work). */
  record(tx: Pick<Repositories, "audit">, type: AuditEventType, details?: AuditDetails): Promise<void>;
}

export function auditTrail(
  deps: Pick<CoreDeps, "clock" | "ids">,
  ctx: RequestContext,
  actor: { userId: string | null; sessionId?: string | null },
): AuditTrail {
  return {
    record: (tx, type, details = {}) =>
      tx.audit.record(
        auditRecord(deps, ctx, {
          userId: actor.userId,
          type,
          outcome: details.outcome ?? "success",
          sessionId: details.sessionId !== undefined ? details.sessionId : (actor.sessionId ?? null),
          ...(details.metadata ? { metadata: details.metadata } : {}),
        }),
      ),
  };
}

/**
 * One transaction that writes and audits; the sessions it revoked (handed to `revoked`) are
 * announced to every instance once it has committed, never before and never for a rollback.
 */
export async function revokingWrite<T>(
  deps: Pick<CoreDeps, "uow" | "revoker">,
  fn: (tx: Repositories, revoked: (sessionIds: readonly string[]) => void) => Promise<T>,
): Promise<T> {
  let ids: string[] = [];
  const result = await deps.uow.transaction((tx) => {
    ids = [];
    return fn(tx, (sessionIds) => ids.push(...sessionIds));
  });
  if (ids.length > 0) await deps.revoker.announce(ids);
  return result;
}
