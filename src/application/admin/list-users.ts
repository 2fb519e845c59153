import { Violations } from "../../domain/errors.js";
import type { User } from "../../domain/user.js";
import type { CoreDeps } from "../shared/deps.js";
import type { PageSizes } from "../shared/page-token.js";

const PAGE_SIZES: PageSizes = { defaultSize: 50, maxSize: 100 };
const MAX_QUERY_LENGTH = 254;
const MAX_TOKEN_LENGTH = 600;

/**
 * Users whose username or email starts with `query` (case-insensitive; every user when empty),
 * ordered by username, AIP-158 paging. The list is ordered by username, not by creation time,
 * so its cursor is the last normalized username (unique) rather than shared/page-token.ts's
 * (createdAt, id); the token also carries the query, so it cannot be replayed on another one.
 */
export class ListUsers {
  constructor(private readonly deps: Pick<CoreDeps, "uow">) {}

  async execute(input: { query: string; pageSize: number; pageToken: string }): Promise<{ users: User[]; nextPageToken: string }> {
    const query = input.query.trim().toLowerCase();
    const violations = new Violations();
    if (query.length > MAX_QUERY_LENGTH) violations.add("query", `must be at most ${MAX_QUERY_LENGTH} characters`);
    if (!Number.isInteger(input.pageSize) || input.pageSize < 0 || input.pageSize > PAGE_SIZES.maxSize) {
      violations.add("page_size", `must be between 0 and ${PAGE_SIZES.maxSize}`);
    }
    const after = input.pageToken === "" ? undefined : decodeToken(input.pageToken, query);
    if (after === null) violations.add("page_token", "is not a token from a previous page of this query");
    violations.throwIfAny();
    const size = input.pageSize === 0 ? PAGE_SIZES.defaultSize : input.pageSize;
    // One row more than the page: it tells whether another page exists without a count.
    const rows = await this.deps.uow.users.search(query, { limit: size + 1, ...(typeof after === "string" ? { after } : {}) });
    const users = rows.slice(0, size);
    const last = users.at(-1);
    return { users, nextPageToken: rows.length > size && last ? encodeToken(query, last.usernameNormalized) : "" };
  }
}

function encodeToken(query: string, after: string): string {
  return Buffer.from(JSON.stringify([query, after]), "utf8").toString("base64url");
}

/** The cursor of a token encodeToken wrote for this query; null for anything else (never throws). */
function decodeToken(token: string, query: string): string | null | undefined {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [q, after] = parsed as unknown[];
    if (q !== query || typeof after !== "string" || after === "") return null;
    return encodeToken(q, after) === token ? after : null;
  } catch {
    return null;
  }
}
