import type { User } from "../../domain/user.js";
import type { CoreDeps } from "../shared/deps.js";
import { loadTargetUser } from "./actor.js";

/** Counted up to this many live sessions (a reading for an operator, not an exact tally past it). */
const MAX_COUNTED_SESSIONS = 1000;

/** One user with roles, plan and status, and how many live sessions and usable keys it has. */
export class GetUser {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock">) {}

  async execute(input: { userId: string }): Promise<{ user: User; sessionCount: number; apiKeyCount: number }> {
    const user = await loadTargetUser(this.deps, input.userId);
    const now = this.deps.clock.now();
    const [sessions, apiKeyCount] = await Promise.all([
      this.deps.uow.sessions.listLive(user.id, now, { limit: MAX_COUNTED_SESSIONS }),
      this.deps.uow.apiKeys.countUsableForUser(user.id, now),
    ]);
    return { user, sessionCount: sessions.length, apiKeyCount };
  }
}
