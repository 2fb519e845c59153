/**
 * Input hygiene through the REST face (issue 7, item 12): usernames that fold to a reserved
 * name and free text with format characters (bidi overrides, zero-width) are refused by
 * Register and UpdateMe alike, with a field violation naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, uniqueName } from "../support/fixtures.js";
import { expectStatus, GRPC, rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** The BadRequest field violations of a google.rpc.Status JSON body. */
function violations(json: any): { field: string; description: string }[] {
  const bad = (json.details as any[]).find((d) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest");
  return bad?.fieldViolations ?? [];
}

const register = (body: Record<string, string>) => {
  const name = uniqueName("hyg");
  return rest(server.baseUrl, "POST", "/v1/auth/register", { body: { username: name, email: `${name}@example.com`, password: PASSWORD, ...body } });
};

describe("reserved usernames", () => {
  it("Register refuses a username that folds to a reserved name: a violation on `username`, is reserved", async () => {
    for (const username of ["admin", "Admin", "ad.min", "R_o-o_t", "ｓｕｐｐｏｒｔ", "no-reply", "Postmaster"]) {
      const r = await register({ username, email: `${uniqueName("r")}@example.com` });
      expectStatus(r, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
      expect(violations(r.json), username).toHaveLength(1);
      expect(violations(r.json), username).toMatchObject([{ field: "username", description: "is reserved" }]);
    }
    // A name that only contains one is free.
    expect((await register({ username: uniqueName("admin") })).status).toBe(200);
  });

  it("UpdateMe refuses renaming to a reserved name, and the name stays", async () => {
    const reg = await register({});
    expect(reg.status, reg.text).toBe(200);
    const bearer = reg.json.tokens.accessToken as string;
    const r = await rest(server.baseUrl, "PATCH", "/v1/users/me", { bearer, body: { username: "Root.", updateMask: "username" } });
    expectStatus(r, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    expect(violations(r.json)).toHaveLength(1);
    expect(violations(r.json)).toMatchObject([{ field: "username", description: "is reserved" }]);
    const me = await rest(server.baseUrl, "GET", "/v1/users/me", { bearer });
    expect(me.json.user.username).toBe(reg.json.user.username);
  });
});

describe("format characters in free text", () => {
  it("Register and UpdateMe refuse a full name with a bidi override or a zero-width character", async () => {
    for (const fullName of ["Alice \u202eevil", "Al\u200bice", "\u2066Bob\u2069", "\ufeffCarol"]) {
      const r = await register({ fullName });
      expectStatus(r, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
      expect(
        violations(r.json).map((v) => v.field),
        JSON.stringify(fullName),
      ).toEqual(["full_name"]);
    }
    const reg = await register({ fullName: "Zoë Müller 東京" });
    expect(reg.status, reg.text).toBe(200);
    const bearer = reg.json.tokens.accessToken as string;
    const r = await rest(server.baseUrl, "PATCH", "/v1/users/me", { bearer, body: { fullName: "Zoë\u202e", updateMask: "fullName" } });
    expectStatus(r, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    expect(violations(r.json).map((v) => v.field)).toEqual(["full_name"]);
  });
});
