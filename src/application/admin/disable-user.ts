import type { User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import { revokingWrite } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { ADMIN_ROLE, type AdminActor, adminAudit, loadTargetUser } from "./actor.js";

/**
 * Deactivates an account: isActive false and authVersion bumped in one update (a login in
 * flight fails its conditional write), every session revoked, audited; after the commit the
 * sessions and the owner's keys are announced to every instance, so tokens and keys stop
 * within the caches' one second. Login then answers ACCOUNT_DISABLED. Disabling the last
 * active admin is LAST_ADMIN. Idempotent: a second call revokes nothing more.
 */
export class DisableUser {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "revoker" | "apiKeyRevocations">) {}

  async execute(input: { userId: string }, actor: AdminActor, ctx: RequestContext): Promise<{ user: User; revokedSessions: number }> {
    const user = await loadTargetUser(this.deps, input.userId);
    const now = this.deps.clock.now();
    const audit = await adminAudit(this.deps, ctx, user, actor);
    const result = await revokingWrite(this.deps, async (tx, revoked) => {
      const disabled = await tx.users.updateKeepingRole(user.id, ADMIN_ROLE, { isActive: false, bumpAuthVersion: true, updatedAt: now });
      const ended = await tx.sessions.revokeAllForUser(user.id, "admin", now);
      revoked(ended);
      await audit.trail.record(tx, "admin.user_disabled", { metadata: { actor: audit.actor, revoked_sessions: ended.length } });
      return { user: disabled, revokedSessions: ended.length };
    });
    // The keys' own fan-out (application/api-keys/): every instance drops the owner's keys.
    await this.deps.apiKeyRevocations.announceOwner(user.id);
    return result;
  }
}
