/**
 * Passkeys end to end over gRPC on a real server (embedded defaults, or PostgreSQL + Redis in
 * CI's second pass), with real WebAuthn responses: a software authenticator on node:crypto
 * (test/support/soft-authenticator.ts) signs with real P-256 keys, and the service verifies them
 * with @simplewebauthn/server, nothing mocked. Every refusal is shown to open no session.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UnitOfWork } from "../../src/application/ports/unit-of-work.js";
import { PASSWORD, registerUser } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { type CeremonyKnobs, SoftAuthenticator, type SoftCredential } from "../support/soft-authenticator.js";

const ORIGIN = "https://app.example.test";
const RP_ID = "example.test";
const MAX_FAILED = 4;

let server: TestServer;
let uow: UnitOfWork | null = null;
const db = () => {
  if (!uow) throw new Error("the server has not started");
  return uow;
};

beforeAll(async () => {
  server = await startTestServer({
    env: { WEBAUTHN__RP_ID: RP_ID, WEBAUTHN__ORIGINS: JSON.stringify([ORIGIN]), AUTH__MAX_FAILED_LOGINS: String(MAX_FAILED) },
    appOptions: {
      wrapUnitOfWork: (inner) => {
        uow = inner;
        return inner;
      },
    },
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

type Account = Awaited<ReturnType<typeof registerUser>> & { userId: string; bearer: string };

async function account(): Promise<Account> {
  const a = await registerUser(server.clients);
  return { ...a, userId: a.user?.id as string, bearer: a.tokens?.accessToken as string };
}

async function addPasskey(a: Account, authenticator: SoftAuthenticator, knobs: CeremonyKnobs = {}): Promise<SoftCredential> {
  const { users } = server.clients;
  const { options } = await call(users, users.startPasskeyRegistration, {}, { bearer: a.bearer });
  const response = authenticator.register(options ?? {}, knobs);
  await call(users, users.finishPasskeyRegistration, { response, name: "test key" }, { bearer: a.bearer });
  return authenticator.credentials.at(-1) as SoftCredential;
}

async function startLogin(identifier = "") {
  const { auth } = server.clients;
  const out = await call(auth, auth.startPasskeyLogin, { identifier });
  return { options: out.options ?? {}, flowId: out.flowId };
}

function finishLogin(flowId: string, response: Record<string, unknown>) {
  const { auth } = server.clients;
  return call(auth, auth.finishPasskeyLogin, { flowId, response, deviceName: "passkey test" });
}

/** A sign-in with the passkey, the authenticator answering with `knobs`. */
async function signIn(credential: SoftCredential, authenticator: SoftAuthenticator, knobs: CeremonyKnobs = {}, identifier = "") {
  const { options, flowId } = await startLogin(identifier);
  return finishLogin(flowId, authenticator.assert(credential, options, knobs));
}

const passkeySessions = async (userId: string) =>
  (await db().sessions.listLive(userId, new Date(), { limit: 100 })).filter((s) => s.authMethod === "passkey").length;

const auditOf = async (userId: string, type: string) =>
  (await db().audit.listForUser(userId, { limit: 100 })).filter((e) => e.type === type).map((e) => e.metadata);

const answer = (e: { code: number; message: string; reason: string }) => ({ code: e.code, message: e.message, reason: e.reason });
const PASSKEY_INVALID = { code: status.UNAUTHENTICATED, message: "The passkey could not be verified", reason: "PASSKEY_INVALID" };

const authenticator = () => new SoftAuthenticator({ origin: ORIGIN, rpId: RP_ID });

describe("passkeys over gRPC with real WebAuthn responses", () => {
  it("registers a passkey and signs in with it alone (discoverable or by identifier), both factors in one", async () => {
    const a = await account();
    const device = authenticator();
    const credential = await addPasskey(a, device);
    const { users } = server.clients;
    const listed = await call(users, users.listPasskeys, {}, { bearer: a.bearer });
    expect(listed.passkeys).toMatchObject([{ name: "test key", backedUp: false, deviceType: "singleDevice", transports: ["internal"] }]);
    expect(listed.passkeys[0]?.lastUsedAt).toBeUndefined();

    const out = await signIn(credential, device);
    expect(out.user?.id).toBe(a.userId);
    expect(out.session?.authMethod).toBe("passkey");
    const byName = await signIn(credential, device, {}, a.username);
    expect(byName.session?.authMethod).toBe("passkey");
    const me = await call(users, users.getMe, {}, { bearer: out.tokens?.accessToken as string });
    expect(me.user?.id).toBe(a.userId);
    expect((await call(users, users.listPasskeys, {}, { bearer: a.bearer })).passkeys[0]?.lastUsedAt).toBeInstanceOf(Date);
    expect(await passkeySessions(a.userId)).toBe(2);
    expect((await auditOf(a.userId, "passkey.registered")).length).toBe(1);
  });

  it("a replayed challenge is PASSKEY_CHALLENGE_INVALID (login and registration) and opens nothing", async () => {
    const a = await account();
    const device = authenticator();
    const credential = await addPasskey(a, device);
    const { options, flowId } = await startLogin();
    const response = device.assert(credential, options);
    await finishLogin(flowId, response);
    const replay = await failure(finishLogin(flowId, response));
    expect(answer(replay)).toMatchObject({ code: status.INVALID_ARGUMENT, reason: "PASSKEY_CHALLENGE_INVALID" });
    // The old answer to a new flow: its challenge is not this flow's.
    const fresh = await startLogin();
    expect(answer(await failure(finishLogin(fresh.flowId, response)))).toEqual(PASSKEY_INVALID);
    expect(await passkeySessions(a.userId)).toBe(1);

    const { users } = server.clients;
    const started = await call(users, users.startPasskeyRegistration, {}, { bearer: a.bearer });
    const registration = device.register(started.options ?? {});
    await call(users, users.finishPasskeyRegistration, { response: registration, name: "" }, { bearer: a.bearer });
    const again = await failure(call(users, users.finishPasskeyRegistration, { response: registration, name: "" }, { bearer: a.bearer }));
    expect(again).toMatchObject({ code: status.INVALID_ARGUMENT, reason: "PASSKEY_CHALLENGE_INVALID" });
    // Another account cannot finish with this account's challenge either.
    const b = await account();
    const mine = await call(users, users.startPasskeyRegistration, {}, { bearer: a.bearer });
    const stolen = await failure(
      call(users, users.finishPasskeyRegistration, { response: device.register(mine.options ?? {}), name: "" }, { bearer: b.bearer }),
    );
    expect(stolen.reason).toBe("PASSKEY_CHALLENGE_INVALID");
    expect((await call(users, users.listPasskeys, {}, { bearer: a.bearer })).passkeys).toHaveLength(2);
    expect((await call(users, users.listPasskeys, {}, { bearer: b.bearer })).passkeys).toHaveLength(0);
  });

  it("a response for another origin or RP id, without user verification, or wrongly signed: PASSKEY_INVALID, like an unknown credential; no session", async () => {
    const a = await account();
    const device = authenticator();
    const credential = await addPasskey(a, device);
    const refusals = [];
    for (const knobs of [
      { origin: "https://evil.example.test" },
      { rpId: "evil.test" },
      { userVerified: false },
      { forgeSignature: true },
    ] as CeremonyKnobs[]) {
      refusals.push(answer(await failure(signIn(credential, device, knobs))));
    }
    // A credential the service never saw.
    const stranger = authenticator();
    const { options } = await call(server.clients.users, server.clients.users.startPasskeyRegistration, {}, { bearer: (await account()).bearer });
    stranger.register(options ?? {});
    refusals.push(answer(await failure(signIn(stranger.credentials[0] as SoftCredential, stranger))));
    expect(refusals).toEqual(Array(5).fill(PASSKEY_INVALID));
    expect(await passkeySessions(a.userId)).toBe(0);
    expect((await auditOf(a.userId, "passkey.failed")).map((m) => m.reason)).toEqual(["not_verified", "not_verified", "not_verified", "not_verified"]);

    // Registration from the wrong origin or RP id, or without user verification: refused, nothing stored.
    for (const knobs of [{ origin: "https://evil.example.test" }, { rpId: "evil.test" }, { userVerified: false }] as CeremonyKnobs[]) {
      const e = await failure(addPasskey(a, authenticator(), knobs));
      expect(answer(e)).toEqual(PASSKEY_INVALID);
    }
    expect((await call(server.clients.users, server.clients.users.listPasskeys, {}, { bearer: a.bearer })).passkeys).toHaveLength(1);
  });

  it("a counter going backwards marks the passkey as possibly cloned: refused, audited, no session", async () => {
    const a = await account();
    const device = authenticator();
    const credential = await addPasskey(a, device);
    await signIn(credential, device, { counter: 10 });
    expect(answer(await failure(signIn(credential, device, { counter: 9 })))).toEqual(PASSKEY_INVALID);
    expect(answer(await failure(signIn(credential, device, { counter: 10 })))).toEqual(PASSKEY_INVALID);
    expect(await passkeySessions(a.userId)).toBe(1);
    expect(await auditOf(a.userId, "passkey.failed")).toEqual([
      expect.objectContaining({ reason: "counter_not_increased", possibly_cloned: true, stored_counter: 10, counter: 10 }),
      expect.objectContaining({ reason: "counter_not_increased", possibly_cloned: true, stored_counter: 10, counter: 9 }),
    ]);
    // The real device, moving forward, still works.
    await signIn(credential, device, { counter: 11 });
  });

  it("a passkey of a deleted account signs nobody in: ACCOUNT_DISABLED, once the passkey verified", async () => {
    const a = await account();
    const device = authenticator();
    const credential = await addPasskey(a, device);
    await call(server.clients.users, server.clients.users.deleteMe, {}, { bearer: a.bearer });
    expect(answer(await failure(signIn(credential, device, { forgeSignature: true })))).toEqual(PASSKEY_INVALID);
    expect(await failure(signIn(credential, device))).toMatchObject({ code: status.PERMISSION_DENIED, reason: "ACCOUNT_DISABLED" });
    expect(await passkeySessions(a.userId)).toBe(0);
  });

  it("the last way to sign in cannot be deleted: LAST_SIGN_IN_METHOD; with two passkeys one may go", async () => {
    const a = await account();
    const device = authenticator();
    const credential = await addPasskey(a, device);
    // The account gives up its password (as a claim flow would leave it): the passkey is all it has.
    await db().users.update(a.userId, { passwordHash: null, updatedAt: new Date() });
    const login = await signIn(credential, device);
    const bearer = login.tokens?.accessToken as string;
    const { users } = server.clients;
    const [only] = (await call(users, users.listPasskeys, {}, { bearer })).passkeys;
    const e = await failure(call(users, users.deletePasskey, { passkeyId: only?.id as string }, { bearer }));
    expect(e).toMatchObject({ code: status.FAILED_PRECONDITION, reason: "LAST_SIGN_IN_METHOD" });
    expect((await call(users, users.listPasskeys, {}, { bearer })).passkeys).toHaveLength(1);

    await addPasskey({ ...a, bearer }, device);
    await call(users, users.deletePasskey, { passkeyId: only?.id as string }, { bearer });
    const left = (await call(users, users.listPasskeys, {}, { bearer })).passkeys;
    expect(left.map((p) => p.id)).not.toContain(only?.id);
    expect(left).toHaveLength(1);
    // Another account's passkey is unknown to this one.
    const b = await account();
    expect(await failure(call(users, users.deletePasskey, { passkeyId: left[0]?.id as string }, { bearer: b.bearer }))).toMatchObject({
      code: status.NOT_FOUND,
      reason: "SIGN_IN_METHOD_NOT_FOUND",
    });
  });

  it(`failures count toward the account's limit: ${MAX_FAILED} wrong signatures, then even the right one is ACCOUNT_LOCKED`, async () => {
    const a = await account();
    const device = authenticator();
    const credential = await addPasskey(a, device);
    for (let i = 0; i < MAX_FAILED; i++) expect(answer(await failure(signIn(credential, device, { forgeSignature: true })))).toEqual(PASSKEY_INVALID);
    expect(await failure(signIn(credential, device))).toMatchObject({ code: status.PERMISSION_DENIED, reason: "ACCOUNT_LOCKED" });
    // The same limit as the password's.
    const { auth } = server.clients;
    expect(await failure(call(auth, auth.login, { identifier: a.username, password: PASSWORD, otpCode: "", deviceName: "" }))).toMatchObject({
      reason: "ACCOUNT_LOCKED",
    });
    expect(await passkeySessions(a.userId)).toBe(0);
  });

  it("StartPasskeyLogin answers an unknown identifier exactly as discoverable credentials", async () => {
    const strip = (o: Record<string, unknown>) => ({ ...o, challenge: "<random>" });
    const discoverable = await startLogin();
    const unknown = await startLogin("nobody-here@example.com");
    expect(strip(unknown.options)).toEqual(strip(discoverable.options));
    expect(discoverable.options).toMatchObject({ rpId: RP_ID, userVerification: "required", allowCredentials: [] });
    expect(unknown.flowId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
