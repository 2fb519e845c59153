// AIP-158 paging shared by the List RPCs: one reading of page_size and page_token, one token
// format, one way to tell whether another page exists. Lists are newest first with a keyset
// cursor on (createdAt, id), so a page never repeats or skips a row while new rows arrive,
// unlike OFFSET.
import { Violations } from "../../domain/errors.js";

/** A position in a newest-first list: the last row of the previous page (exclusive). */
export interface PageCursor {
  createdAt: Date;
  id: string;
}

export interface PageSizes {
  /** Used for page_size 0. */
  defaultSize: number;
  /** A larger page_size is refused. */
  maxSize: number;
}

export interface PageRequest {
  size: number;
  before?: PageCursor;
}

export interface Page<T> {
  items: T[];
  /** Empty on the last page. */
  nextPageToken: string;
}

const MAX_TOKEN_LENGTH = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Reads page_size and page_token, or throws VALIDATION_FAILED with a field violation on each
 * bad one. The token is only a position: it is not bound to the caller, because every list
 * query filters on the caller anyway, so another user's token shows nothing of theirs.
 */
export function readPageRequest(input: { pageSize: number; pageToken: string }, sizes: PageSizes): PageRequest {
  const violations = new Violations();
  if (!Number.isInteger(input.pageSize) || input.pageSize < 0 || input.pageSize > sizes.maxSize) {
    violations.add("page_size", `must be between 0 and ${sizes.maxSize}`);
  }
  const before = input.pageToken === "" ? undefined : decodePageToken(input.pageToken);
  if (before === null) violations.add("page_token", "is not a token from a previous page");
  violations.throwIfAny();
  return { size: input.pageSize === 0 ? sizes.defaultSize : input.pageSize, ...(before ? { before } : {}) };
}

/**
 * Fetches one page through `query`, asking for one row more than the page holds: that row
 * tells whether another page exists without a count query.
 */
export async function fetchPage<T extends PageCursor>(
  request: PageRequest,
  query: (options: { limit: number; before?: PageCursor }) => Promise<T[]>,
): Promise<Page<T>> {
  const rows = await query({ limit: request.size + 1, ...(request.before ? { before: request.before } : {}) });
  const items = rows.slice(0, request.size);
  const last = items.at(-1);
  return { items, nextPageToken: rows.length > request.size && last ? encodePageToken(last) : "" };
}

export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`, "utf8").toString("base64url");
}

/** The cursor of a token this module encoded, or null for anything else (never throws). */
export function decodePageToken(token: string): PageCursor | null {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  const parts = Buffer.from(token, "base64url").toString("utf8").split("|");
  if (parts.length !== 2) return null;
  const [iso = "", id = ""] = parts;
  const createdAt = new Date(iso);
  // Only the exact form encodePageToken writes: a token is canonical, nothing else passes.
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== iso || !UUID.test(id)) return null;
  return { createdAt, id };
}
