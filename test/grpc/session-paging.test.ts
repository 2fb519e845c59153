/**
 * ListSessions pages (AIP-158), over gRPC and the REST gateway: page_size bounds a page, the
 * opaque page_token continues after the last session of the previous page, and a token the
 * service did not write is refused with a field violation on page_token.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, registerUser } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { expectStatus, GRPC, rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** A user with 5 live sessions (registration + 4 logins); the bearer is the last login's. */
async function userWithFiveSessions(): Promise<{ bearer: string; sessionIds: string[] }> {
  const { auth } = server.clients;
  const reg = await registerUser(server.clients);
  const sessionIds = [reg.session!.id];
  let bearer = "";
  for (let i = 0; i < 4; i++) {
    const login = await call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: `device ${i}` });
    sessionIds.push(login.session!.id);
    bearer = login.tokens!.accessToken;
  }
  return { bearer, sessionIds };
}

/** The same token's text with one edit, re-encoded: still base64url, no longer ours. */
const tamper = (token: string, edit: (text: string) => string) =>
  Buffer.from(edit(Buffer.from(token, "base64url").toString("utf8")), "utf8").toString("base64url");

describe("ListSessions paging over gRPC", () => {
  it("5 sessions at page_size 2: pages of 2, 2, 1, each session once, newest first, the last token empty", async () => {
    const { sessions } = server.clients;
    const { bearer, sessionIds } = await userWithFiveSessions();
    const pages: { ids: string[]; next: string; current: number }[] = [];
    const createdAt: number[] = [];
    let pageToken = "";
    do {
      const res = await call(sessions, sessions.listSessions, { pageSize: 2, pageToken }, { bearer });
      pages.push({ ids: res.sessions.map((s) => s.id), next: res.nextPageToken, current: res.sessions.filter((s) => s.current).length });
      createdAt.push(...res.sessions.map((s) => s.createdAt!.getTime()));
      pageToken = res.nextPageToken;
    } while (pageToken !== "" && pages.length < 10);

    expect(pages.map((p) => p.ids.length)).toEqual([2, 2, 1]);
    const seen = pages.flatMap((p) => p.ids);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual([...sessionIds].sort());
    // Newest first across the pages.
    expect(createdAt).toEqual([...createdAt].sort((a, b) => b - a));
    expect(pages.at(-1)?.next).toBe("");
    // `current` marks the calling session, on whichever page it falls: exactly once overall.
    expect(pages.reduce((n, p) => n + p.current, 0)).toBe(1);

    // page_size 0 keeps returning every session (the default page is 50) with no next page.
    const all = await call(sessions, sessions.listSessions, { pageSize: 0, pageToken: "" }, { bearer });
    expect(all.sessions.map((s) => s.id)).toEqual(seen);
    expect(all.nextPageToken).toBe("");
  });

  it("a tampered page_token: INVALID_ARGUMENT with a field violation on page_token", async () => {
    const { sessions } = server.clients;
    const { bearer } = await userWithFiveSessions();
    const first = await call(sessions, sessions.listSessions, { pageSize: 2, pageToken: "" }, { bearer });
    expect(first.nextPageToken).not.toBe("");
    const tampered = [
      tamper(first.nextPageToken, (t) => t.replace(/\|.*$/, "|not-a-session-id")),
      tamper(first.nextPageToken, (t) => `${t}|more`),
      `${first.nextPageToken}!`,
      first.nextPageToken.slice(0, 12),
    ];
    for (const pageToken of tampered) {
      const refused = await failure(call(sessions, sessions.listSessions, { pageSize: 2, pageToken }, { bearer }));
      expect(refused.code, pageToken).toBe(status.INVALID_ARGUMENT);
      expect(refused.reason).toBe("VALIDATION_FAILED");
      expect(refused.fieldViolations.map((v) => v.field)).toEqual(["page_token"]);
    }
    const tooBig = await failure(call(sessions, sessions.listSessions, { pageSize: 101, pageToken: "" }, { bearer }));
    expect(tooBig.code).toBe(status.INVALID_ARGUMENT);
    expect(tooBig.fieldViolations.map((v) => v.field)).toEqual(["page_size"]);
  });
});

describe("ListSessions paging over REST (GET /v1/sessions)", () => {
  it("maps page_size and page_token from the query: 2, 2, 1, then a tampered token is a 400 naming page_token", async () => {
    const { bearer, sessionIds } = await userWithFiveSessions();
    const seen: string[] = [];
    const sizes: number[] = [];
    let pageToken = "";
    for (let i = 0; i < 10; i++) {
      const query: Record<string, string> = { page_size: "2", ...(pageToken ? { page_token: pageToken } : {}) };
      const r = await rest(server.baseUrl, "GET", "/v1/sessions", { bearer, query });
      expect(r.status, r.text).toBe(200);
      sizes.push(r.json.sessions.length);
      seen.push(...r.json.sessions.map((s: { id: string }) => s.id));
      // proto3 JSON: an empty string is left out, so the last page has no nextPageToken.
      pageToken = r.json.nextPageToken ?? "";
      if (pageToken === "") break;
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual([...sessionIds].sort());

    // The JSON name works as well.
    const byJsonName = await rest(server.baseUrl, "GET", "/v1/sessions", { bearer, query: { pageSize: "3" } });
    expect(byJsonName.status, byJsonName.text).toBe(200);
    expect(byJsonName.json.sessions).toHaveLength(3);

    const first = await rest(server.baseUrl, "GET", "/v1/sessions", { bearer, query: { page_size: "2" } });
    const tampered = tamper(first.json.nextPageToken as string, (t) => `${t}|more`);
    const bad = await rest(server.baseUrl, "GET", "/v1/sessions", { bearer, query: { page_size: "2", page_token: tampered } });
    expectStatus(bad, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    const badRequest = (bad.json.details as { "@type": string; fieldViolations?: { field: string }[] }[]).find((d) =>
      d["@type"].endsWith("google.rpc.BadRequest"),
    );
    expect(badRequest?.fieldViolations?.map((v) => v.field)).toEqual(["page_token"]);
  });
});
