import type { Session } from "../../domain/session.js";
import type { CoreDeps } from "../shared/deps.js";
import { fetchPage, readPageRequest } from "../shared/page-token.js";
import type { Principal } from "./validate-token.js";

/** 0 asks for 50: every live session of nearly any account still fits one page. */
const PAGE_SIZES = { defaultSize: 50, maxSize: 100 };

/** The caller's live sessions, newest first, paged (AIP-158) with an opaque keyset cursor. */
export class ListSessions {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock">) {}

  async execute(
    input: { pageSize: number; pageToken: string },
    principal: Principal,
  ): Promise<{ sessions: Session[]; currentSessionId: string; nextPageToken: string }> {
    const request = readPageRequest(input, PAGE_SIZES);
    const now = this.deps.clock.now();
    const page = await fetchPage(request, (options) => this.deps.uow.sessions.listLive(principal.userId, now, options));
    return { sessions: page.items, currentSessionId: principal.sessionId, nextPageToken: page.nextPageToken };
  }
}
