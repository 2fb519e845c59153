import { Violations } from "../../domain/errors.js";
import type { User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import type { CoreDeps } from "../shared/deps.js";
import { ADMIN_ROLE, type AdminActor, adminAudit, loadTargetUser } from "./actor.js";

const ROLE = /^[a-z0-9_-]{1,32}$/;
const MAX_ROLES = 20;

/**
 * Replaces the user's roles. Taking `admin` from the last active admin is LAST_ADMIN, decided
 * by the database (UserRepository.updateKeepingRole locks the admins' rows), so two concurrent
 * calls can never remove both of two admins. Live tokens keep the old roles until they expire.
 */
export class SetUserRoles {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids">) {}

  async execute(input: { userId: string; roles: readonly string[] }, actor: AdminActor, ctx: RequestContext): Promise<User> {
    const violations = new Violations();
    if (input.roles.length > MAX_ROLES) violations.add("roles", `at most ${MAX_ROLES} roles`);
    input.roles.forEach((role, i) => {
      if (!ROLE.test(role)) violations.add(`roles[${i}]`, "must be 1-32 of a-z, 0-9, '_' and '-'");
    });
    violations.throwIfAny();
    const roles = [...new Set(input.roles)];
    const user = await loadTargetUser(this.deps, input.userId);
    const now = this.deps.clock.now();
    const audit = await adminAudit(this.deps, ctx, user, actor);
    return this.deps.uow.transaction(async (tx) => {
      const updated = await tx.users.updateKeepingRole(user.id, ADMIN_ROLE, { roles, updatedAt: now });
      await audit.trail.record(tx, "admin.roles_changed", {
        metadata: { actor: audit.actor, roles: roles.join(","), previous_roles: user.roles.join(",") },
      });
      return updated;
    });
  }
}
