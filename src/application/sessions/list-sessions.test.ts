import { describe, expect, it } from "vitest";
import { DomainError } from "../../domain/errors.js";
import type { Session } from "../../domain/session.js";
import type { SessionRepository } from "../ports/sessions.js";
import type { Clock } from "../ports/time.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import { ListSessions } from "./list-sessions.js";
import type { Principal } from "./validate-token.js";

const NOW = new Date("2026-01-15T12:00:00.000Z");
const USER = "0190a1b2-0000-7000-8000-000000000001";

function session(i: number): Session {
  const createdAt = new Date(NOW.getTime() - i * 60_000);
  return {
    id: `0190a1b2-0000-7000-8000-0000000000${String(10 + i)}`,
    userId: USER,
    deviceName: `device ${i}`,
    userAgent: "test-agent/1.0",
    ipAddress: "203.0.113.7",
    authMethod: "password",
    createdAt,
    lastUsedAt: createdAt,
    authenticatedAt: createdAt,
    expiresAt: new Date(NOW.getTime() + 86_400_000),
    revokedAt: null,
    revokedReason: null,
  };
}

/** listLive over an array, newest first, recording what it was asked. */
function fakeSessions(rows: Session[]) {
  const calls: Parameters<SessionRepository["listLive"]>[] = [];
  const listLive: SessionRepository["listLive"] = async (userId, now, page) => {
    calls.push([userId, now, page]);
    const { before } = page;
    return rows
      .filter((s) => s.userId === userId && s.expiresAt > now)
      .filter((s) => !before || s.createdAt < before.createdAt || (+s.createdAt === +before.createdAt && s.id < before.id))
      .slice(0, page.limit);
  };
  return { calls, listLive };
}

function useCase(rows: Session[]) {
  const sessions = fakeSessions(rows);
  const uow = { sessions: { listLive: sessions.listLive } } as unknown as UnitOfWork;
  const clock: Clock = { now: () => NOW };
  return { listSessions: new ListSessions({ uow, clock }), calls: sessions.calls };
}

const principal = { userId: USER, sessionId: session(3).id } as Principal;

describe("ListSessions", () => {
  it("pages newest first: 5 sessions at page_size 2 are 2, 2, 1, each once, the last token empty", async () => {
    const rows = [0, 1, 2, 3, 4].map(session);
    const { listSessions, calls } = useCase(rows);
    const pages: string[][] = [];
    const tokens: string[] = [];
    let pageToken = "";
    do {
      const out = await listSessions.execute({ pageSize: 2, pageToken }, principal);
      expect(out.currentSessionId).toBe(session(3).id);
      pages.push(out.sessions.map((s) => s.id));
      tokens.push(out.nextPageToken);
      pageToken = out.nextPageToken;
    } while (pageToken !== "" && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(rows.map((s) => s.id));
    expect(tokens.at(-1)).toBe("");
    // Asked of the repository: one row more than the page, for the caller, at the clock's now.
    expect(calls.map(([userId, now, page]) => [userId, now, page.limit])).toEqual([
      [USER, NOW, 3],
      [USER, NOW, 3],
      [USER, NOW, 3],
    ]);
  });

  it("page_size 0 means 50, and at most 100 may be asked", async () => {
    const rows = Array.from({ length: 60 }, (_, i) => session(i));
    const { listSessions, calls } = useCase(rows);
    const out = await listSessions.execute({ pageSize: 0, pageToken: "" }, principal);
    expect(out.sessions).toHaveLength(50);
    expect(out.nextPageToken).not.toBe("");
    expect(calls[0]?.[2].limit).toBe(51);
    expect((await listSessions.execute({ pageSize: 100, pageToken: "" }, principal)).sessions).toHaveLength(60);
    await expect(listSessions.execute({ pageSize: 101, pageToken: "" }, principal)).rejects.toMatchObject({
      reason: "VALIDATION_FAILED",
      fieldViolations: [{ field: "page_size" }],
    });
  });

  it("refuses a tampered page_token with a field violation on page_token, before any query", async () => {
    const { listSessions, calls } = useCase([0, 1, 2].map(session));
    const first = await listSessions.execute({ pageSize: 1, pageToken: "" }, principal);
    const tampered = Buffer.from(`${Buffer.from(first.nextPageToken, "base64url").toString("utf8")}|x`).toString("base64url");
    for (const pageToken of [tampered, `${first.nextPageToken}!`, first.nextPageToken.slice(0, 10)]) {
      const error = await listSessions.execute({ pageSize: 1, pageToken }, principal).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ reason: "VALIDATION_FAILED", fieldViolations: [{ field: "page_token" }] });
    }
    expect(calls).toHaveLength(1);
  });
});
