import type { Session } from "../domain/session.js";
import type { CoreDeps } from "./deps.js";
import type { Principal } from "./validate-token.js";

export class ListSessions {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock">) {}

  async execute(principal: Principal): Promise<{ sessions: Session[]; currentSessionId: string }> {
    const sessions = await this.deps.uow.sessions.listLive(principal.userId, this.deps.clock.now());
    return { sessions, currentSessionId: principal.sessionId };
  }
}
