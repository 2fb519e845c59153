import type { AuditEventInput } from "../../domain/audit.js";
import type { AuditRecord } from "../ports/audit.js";
import type { Clock, IdGenerator, RequestContext } from "../ports/time.js";

/** Builds the stored form of an audit event; the caller writes it in its own transaction. */
export function auditRecord(deps: { clock: Clock; ids: IdGenerator }, ctx: RequestContext, event: AuditEventInput): AuditRecord {
  return {
    id: deps.ids.newId(),
    userId: event.userId,
    type: event.type,
    outcome: event.outcome,
    ipAddress: ctx.ipAddress,
    userAgent: ctx.userAgent,
    requestId: ctx.requestId,
    sessionId: event.sessionId ?? null,
    metadata: event.metadata ?? {},
    createdAt: deps.clock.now(),
  };
}
