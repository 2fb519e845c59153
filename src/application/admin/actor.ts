import { DomainError, Violations } from "../../domain/errors.js";
import type { User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import { type AuditTrail, auditTrail } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { isUuid } from "../shared/field-rules.js";

/** The role AdminService is about, and the one the last holder of cannot lose. */
export const ADMIN_ROLE = "admin";

/** Who performs an admin action: a bearer's user with the admin role, or a service key's service. */
export type AdminActor = { type: "user"; userId: string } | { type: "service"; serviceId: string };

/**
 * What the audit row's `actor` says: the admin's user id, or `service:<name>` (the id when the
 * service row is gone). Never a key or a token.
 */
export async function actorLabel(deps: Pick<CoreDeps, "uow">, actor: AdminActor): Promise<string> {
  if (actor.type === "user") return actor.userId;
  const service = await deps.uow.serviceAccounts.findById(actor.serviceId);
  return `service:${service?.name ?? actor.serviceId}`;
}

/** The audit trail of an admin action: written on the touched user, with the actor in the metadata. */
export async function adminAudit(
  deps: Pick<CoreDeps, "uow" | "clock" | "ids">,
  ctx: RequestContext,
  target: User,
  actor: AdminActor,
): Promise<{ trail: AuditTrail; actor: string }> {
  return { trail: auditTrail(deps, ctx, { userId: target.id, sessionId: null }), actor: await actorLabel(deps, actor) };
}

/** The user an admin call names (any state, deleted included), or USER_NOT_FOUND; a bad id is VALIDATION_FAILED. */
export async function loadTargetUser(deps: Pick<CoreDeps, "uow">, userId: string): Promise<User> {
  const violations = new Violations();
  if (userId === "") violations.add("user_id", "is required");
  else if (!isUuid(userId)) violations.add("user_id", "must be a user id (UUID)");
  violations.throwIfAny();
  const user = await deps.uow.users.findById(userId);
  if (!user) throw new DomainError("USER_NOT_FOUND", "No such user");
  return user;
}
