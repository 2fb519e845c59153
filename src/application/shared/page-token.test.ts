import { describe, expect, it } from "vitest";
import { DomainError } from "../../domain/errors.js";
import { decodePageToken, encodePageToken, fetchPage, type PageCursor, readPageRequest } from "./page-token.js";

const SIZES = { defaultSize: 50, maxSize: 100 };
const CURSOR: PageCursor = { createdAt: new Date("2026-01-15T12:00:00.123Z"), id: "0190a1b2-0000-7000-8000-0000000000aa" };

function violationsOf(fn: () => unknown): { field: string; description: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).reason).toBe("VALIDATION_FAILED");
    return (error as DomainError).fieldViolations;
  }
  throw new Error("expected VALIDATION_FAILED");
}

/** The base64url of a token's decoded text, changed by `edit`. */
const retoken = (token: string, edit: (text: string) => string) =>
  Buffer.from(edit(Buffer.from(token, "base64url").toString("utf8")), "utf8").toString("base64url");

describe("page tokens", () => {
  it("round-trip a (createdAt, id) cursor, to the millisecond", () => {
    const token = encodePageToken(CURSOR);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token)).toEqual(CURSOR);
  });

  it("refuse anything but a token we wrote, without throwing", () => {
    const token = encodePageToken(CURSOR);
    const bad = [
      "not-ours!",
      token.slice(0, -4), // truncated: the id is cut
      `${token}${"A".repeat(200)}`, // too long
      Buffer.from("x|y").toString("base64url"),
      retoken(token, (t) => `${t}|extra`),
      retoken(token, (t) => t.replace(CURSOR.id, "not-a-uuid-but-thirty-six-characters")),
      retoken(token, (t) => t.replace(CURSOR.id, CURSOR.id.toUpperCase())),
      retoken(token, (t) => t.replace("2026-01-15T12:00:00.123Z", "2026-01-15")), // parses, but not our form
      retoken(token, (t) => t.replace("2026-01-15T12:00:00.123Z", "2026-02-30T12:00:00.123Z")),
      "",
    ];
    for (const value of bad) expect(decodePageToken(value), value).toBeNull();
  });
});

describe("readPageRequest", () => {
  it("uses the default for 0, the given size otherwise, and the token's cursor", () => {
    expect(readPageRequest({ pageSize: 0, pageToken: "" }, SIZES)).toEqual({ size: 50 });
    expect(readPageRequest({ pageSize: 100, pageToken: encodePageToken(CURSOR) }, SIZES)).toEqual({ size: 100, before: CURSOR });
  });

  it("refuses a bad token with a field violation on page_token, and a bad size on page_size", () => {
    expect(violationsOf(() => readPageRequest({ pageSize: 2, pageToken: `tampered${encodePageToken(CURSOR)}!` }, SIZES))).toEqual([
      { field: "page_token", description: expect.any(String) },
    ]);
    for (const pageSize of [-1, 101, 1.5]) {
      expect(violationsOf(() => readPageRequest({ pageSize, pageToken: "" }, SIZES)).map((v) => v.field)).toEqual(["page_size"]);
    }
    expect(violationsOf(() => readPageRequest({ pageSize: -1, pageToken: "%%" }, SIZES)).map((v) => v.field)).toEqual(["page_size", "page_token"]);
  });
});

describe("fetchPage", () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({
    createdAt: new Date(Date.UTC(2026, 0, 15, 12, 0, 5 - i)),
    id: `0190a1b2-0000-7000-8000-00000000000${5 - i}`,
  }));
  /** Newest first, strictly after `before`, at most `limit`: what a repository does. */
  const query = async (options: { limit: number; before?: PageCursor }) =>
    rows
      .filter((r) => !options.before || r.createdAt < options.before.createdAt || (+r.createdAt === +options.before.createdAt && r.id < options.before.id))
      .slice(0, options.limit);

  it("asks for one row more than the page, and gives a next token only when that row exists", async () => {
    const limits: number[] = [];
    const spy = async (options: { limit: number; before?: PageCursor }) => {
      limits.push(options.limit);
      return query(options);
    };
    const sizes: number[] = [];
    const seen: string[] = [];
    let pageToken = "";
    for (let i = 0; i < 10; i++) {
      const page = await fetchPage(readPageRequest({ pageSize: 2, pageToken }, SIZES), spy);
      sizes.push(page.items.length);
      seen.push(...page.items.map((r) => r.id));
      pageToken = page.nextPageToken;
      if (pageToken === "") break;
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(rows.map((r) => r.id));
    expect(limits).toEqual([3, 3, 3]);

    // Exactly a page's worth left: no empty extra page.
    const four = await fetchPage({ size: 4, before: rows[0]! }, query);
    expect(four.items).toHaveLength(4);
    expect(four.nextPageToken).toBe("");
  });
});
