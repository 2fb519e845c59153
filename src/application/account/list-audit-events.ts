import type { AuditRecord } from "../ports/audit.js";
import type { Principal } from "../sessions/validate-token.js";
import type { CoreDeps } from "../shared/deps.js";
import { fetchPage, readPageRequest } from "../shared/page-token.js";

const PAGE_SIZES = { defaultSize: 20, maxSize: 100 };

/** The caller's own security events, newest first, with an opaque keyset cursor. */
export class ListAuditEvents {
  constructor(private readonly deps: Pick<CoreDeps, "uow">) {}

  async execute(input: { pageSize: number; pageToken: string }, principal: Principal): Promise<{ events: AuditRecord[]; nextPageToken: string }> {
    const request = readPageRequest(input, PAGE_SIZES);
    const page = await fetchPage(request, (options) => this.deps.uow.audit.listForUser(principal.userId, options));
    return { events: page.items, nextPageToken: page.nextPageToken };
  }
}
