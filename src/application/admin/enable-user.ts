import { DomainError } from "../../domain/errors.js";
import type { User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import type { CoreDeps } from "../shared/deps.js";
import { type AdminActor, adminAudit, loadTargetUser } from "./actor.js";

/** Reactivates a disabled account; a deleted one stays gone (USER_NOT_FOUND). Idempotent. */
export class EnableUser {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids">) {}

  async execute(input: { userId: string }, actor: AdminActor, ctx: RequestContext): Promise<User> {
    const user = await loadTargetUser(this.deps, input.userId);
    if (user.deletedAt !== null) throw new DomainError("USER_NOT_FOUND", "No such user");
    if (user.isActive) return user;
    const now = this.deps.clock.now();
    const audit = await adminAudit(this.deps, ctx, user, actor);
    return this.deps.uow.transaction(async (tx) => {
      const enabled = await tx.users.update(user.id, { isActive: true, updatedAt: now });
      await audit.trail.record(tx, "admin.user_enabled", { metadata: { actor: audit.actor } });
      return enabled;
    });
  }
}
