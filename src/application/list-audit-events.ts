import { Violations } from "../domain/errors.js";
import type { CoreDeps } from "./deps.js";
import type { AuditRecord } from "./ports.js";
import type { Principal } from "./validate-token.js";

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** The caller's own security events, newest first, with an opaque keyset cursor. */
export class ListAuditEvents {
  constructor(private readonly deps: Pick<CoreDeps, "uow">) {}

  async execute(input: { pageSize: number; pageToken: string }, principal: Principal): Promise<{ events: AuditRecord[]; nextPageToken: string }> {
    const violations = new Violations();
    if (input.pageSize < 0 || input.pageSize > MAX_PAGE) violations.add("page_size", `must be between 0 and ${MAX_PAGE}`);
    const before = input.pageToken === "" ? undefined : decodeCursor(input.pageToken);
    if (before === null) violations.add("page_token", "is not a token from a previous page");
    violations.throwIfAny();
    const limit = input.pageSize === 0 ? DEFAULT_PAGE : input.pageSize;
    // One extra row tells whether another page exists without a count query.
    const rows = await this.deps.uow.audit.listForUser(principal.userId, { limit: limit + 1, ...(before ? { before } : {}) });
    const events = rows.slice(0, limit);
    const last = events.at(-1);
    return { events, nextPageToken: rows.length > limit && last ? encodeCursor(last) : "" };
  }
}

function encodeCursor(event: AuditRecord): string {
  return Buffer.from(`${event.createdAt.toISOString()}|${event.id}`, "utf8").toString("base64url");
}

function decodeCursor(token: string): { createdAt: Date; id: string } | null {
  if (token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  const [iso, id] = Buffer.from(token, "base64url").toString("utf8").split("|");
  const createdAt = new Date(iso ?? "");
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) return null;
  return { createdAt, id };
}
