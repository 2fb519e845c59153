/** In-memory stand-ins for application ports, for use-case unit tests (no server, no database). */
import { MemoryFlowStore } from "../../src/adapters/memory/flow-store.js";
import { MemoryQuotaCounter } from "../../src/adapters/memory/quota-counter.js";
import type { AuditRecord } from "../../src/application/ports/audit.js";
import type { AttemptLimiter, LimitState } from "../../src/application/ports/coordination.js";
import type { Notification } from "../../src/application/ports/delivery.js";
import type { OAuthProvider, OAuthProviders, VerifiedIdentity } from "../../src/application/ports/oauth.js";
import { fakeWebAuthn } from "./fake-webauthn.js";

/** Allows `points` per key; records every key consumed. */
export function countingLimiter(points: number): AttemptLimiter & { keys: string[] } {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  const state = (used: number): LimitState =>
    used <= points ? { allowed: true, remaining: points - used, retryAfterSeconds: 0 } : { allowed: false, remaining: 0, retryAfterSeconds: 30 };
  return {
    keys,
    async consume(key) {
      keys.push(key);
      const used = (counts.get(key) ?? 0) + 1;
      counts.set(key, used);
      return state(used);
    },
    async peek(key) {
      const used = counts.get(key) ?? 0;
      return used < points ? state(used) : { allowed: false, remaining: 0, retryAfterSeconds: 30 };
    },
    async reset(key) {
      counts.delete(key);
    },
  };
}

/** An audit log that keeps what it is given. */
export function recordingAudit(): { record(r: AuditRecord): Promise<void>; rows: AuditRecord[] } {
  const rows: AuditRecord[] = [];
  return {
    rows,
    async record(r) {
      rows.push(r);
    },
  };
}

/** A notifier that keeps what it is asked to send. */
export function recordingNotifier(): { send(n: Notification): Promise<void>; sent: Notification[] } {
  const sent: Notification[] = [];
  return {
    sent,
    async send(n) {
      sent.push(n);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Clock, ids, randomness, credentials, tokens, revocation, and a full CoreDeps made of fakes.
// Everything is deterministic and synchronous underneath (promises resolve on the microtask
// queue), so `flushBackground()` is enough to let fire-and-forget work (notices, codes) finish.

import { createHash } from "node:crypto";
import { SubjectPlans } from "../../src/application/plans/subject-plans.js";
import type { CodeHasher, PasswordHasher, SecretSealer, Totp } from "../../src/application/ports/credentials.js";
import type { Clock, IdGenerator, Random, RequestContext } from "../../src/application/ports/time.js";
import type { AccessTokenClaims, AccessTokenService, PublicJwk, VerifiedAccessToken } from "../../src/application/ports/tokens.js";
import type { UnitOfWork } from "../../src/application/ports/unit-of-work.js";
import type { SessionRevoker } from "../../src/application/sessions/session-revoker.js";
import type { SessionStatusCache } from "../../src/application/sessions/session-status.js";
import type { Principal } from "../../src/application/sessions/validate-token.js";
import type { CoreDeps } from "../../src/application/shared/deps.js";
import type { AuthSettings } from "../../src/application/shared/settings.js";
import { PasswordPolicy } from "../../src/domain/password-policy.js";
import type { User } from "../../src/domain/user.js";

/** The fixed instant unit tests start at. */
export const T0 = new Date("2026-01-15T12:00:00.000Z");

/** A clock a test moves by hand; never the wall clock. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | number = T0) {
    this.ms = typeof start === "number" ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  advanceSeconds(seconds: number): void {
    this.ms += seconds * 1000;
  }
  set(at: Date | number): void {
    this.ms = typeof at === "number" ? at : at.getTime();
  }
}

/** UUID-shaped ids (version 7 nibble, variant 8), increasing: ...-000000000001, ...-000000000002. */
export function sequentialIds(): IdGenerator & { issued: string[] } {
  const issued: string[] = [];
  return {
    issued,
    newId() {
      const id = `00000000-0000-7000-8000-${(issued.length + 1).toString(16).padStart(12, "0")}`;
      issued.push(id);
      return id;
    },
  };
}

/** Deterministic "random" bytes: SHA-256 of a seed and a counter, so every call differs. */
export function seededRandom(seed = "seed"): Random {
  let n = 0;
  return {
    bytes(length) {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i += 32) {
        const block = createHash("sha256").update(`${seed}:${n++}`).digest();
        out.set(block.subarray(0, Math.min(32, length - i)), i);
      }
      return out;
    },
  };
}

/** hash = "h:" + password; counts verify and dummy calls. */
export function fakeHasher(): PasswordHasher & { verifies: number; dummies: number } {
  return {
    verifies: 0,
    dummies: 0,
    async hash(password) {
      return `h:${password}`;
    },
    async verify(hash, password) {
      this.verifies += 1;
      return hash === `h:${password}`;
    },
    needsRehash: () => false,
    async verifyDummy() {
      this.dummies += 1;
    },
  };
}

/** hash = context + "#" + code: a hash only matches the same code in the same context. */
export function fakeCodeHasher(): CodeHasher {
  const hash = (code: string, context: string) => `${context}#${code}`;
  return { hash, matches: (code, context, stored) => hash(code, context) === stored };
}

/** "sealed[ad]:" + plaintext; opening under other associated data throws. */
export function fakeSealer(): SecretSealer {
  return {
    seal: (plaintext, ad) => `sealed[${ad}]:${plaintext}`,
    open(sealed, ad) {
      const prefix = `sealed[${ad}]:`;
      if (!sealed.startsWith(prefix)) throw new Error("cannot open: wrong associated data");
      return sealed.slice(prefix.length);
    },
  };
}

/**
 * TOTP with 30 s steps where the code of a step is derived from the secret and the step
 * (`fakeTotp.codeAt(secret, date)`); match accepts ±1 step like the real one.
 */
export function fakeTotp(): Totp & { codeAt(secret: string, at: Date): string } {
  const codeFor = (secret: string, step: number) =>
    String(createHash("sha256").update(`${secret}:${step}`).digest().readUInt32BE(0) % 1_000_000).padStart(6, "0");
  const stepOf = (at: Date) => Math.floor(at.getTime() / 30_000);
  return {
    generateSecret: () => "TOTPSECRET",
    uri: (secret, account) => `otpauth://totp/${encodeURIComponent(account)}?secret=${secret}`,
    match(secret, code, now) {
      const step = stepOf(now);
      for (const s of [step - 1, step, step + 1]) if (codeFor(secret, s) === code) return s;
      return null;
    },
    codeAt: (secret, at) => codeFor(secret, stepOf(at)),
  };
}

/**
 * Access tokens as opaque "at.<n>" strings remembered in memory: verify answers TOKEN_EXPIRED
 * once the clock reaches the token's expiry, TOKEN_INVALID for anything it did not issue.
 */
export function fakeTokens(
  clock: Clock,
  options: { ttlSeconds?: number; jwks?: PublicJwk[] } = {},
): AccessTokenService & { issued: (AccessTokenClaims & { token: string; expiresAt: Date })[] } {
  const ttlMs = (options.ttlSeconds ?? 900) * 1000;
  const issued: (AccessTokenClaims & { token: string; expiresAt: Date; issuedAt: Date; jti: string })[] = [];
  return {
    issued,
    async issue(claims, notAfter) {
      const now = clock.now();
      const ttlEnd = new Date(now.getTime() + ttlMs);
      const expiresAt = notAfter && notAfter < ttlEnd ? notAfter : ttlEnd;
      const jti = `jti-${issued.length + 1}`;
      const token = `at.${issued.length + 1}`;
      issued.push({ ...claims, token, jti, issuedAt: now, expiresAt });
      return { token, jti, expiresAt };
    },
    async verify(token) {
      const found = issued.find((t) => t.token === token);
      if (!found) return { ok: false, reason: "TOKEN_INVALID" };
      if (clock.now().getTime() >= found.expiresAt.getTime()) return { ok: false, reason: "TOKEN_EXPIRED" };
      const { token: _t, ...verified } = found;
      return { ok: true, token: verified as VerifiedAccessToken };
    },
    async publicJwks() {
      return options.jwks ?? [];
    },
  };
}

/** A SessionRevoker that records what it was told (SessionRevoker is a class: cast, not structural). */
export function recordingRevoker(): SessionRevoker & { announced: string[][] } {
  const announced: string[][] = [];
  return {
    announced,
    async announce(ids: readonly string[]) {
      announced.push([...ids]);
    },
  } as unknown as SessionRevoker & { announced: string[][] };
}

/** A SessionStatusCache stand-in: live unless marked revoked (or in `revoked`). */
export function fakeSessionStatus(revoked: Iterable<string> = []): SessionStatusCache & { revoked: Set<string>; checked: string[] } {
  const set = new Set(revoked);
  const checked: string[] = [];
  return {
    revoked: set,
    checked,
    async isLive(id: string) {
      checked.push(id);
      return !set.has(id);
    },
    markRevoked(ids: readonly string[]) {
      for (const id of ids) set.add(id);
    },
    async start() {},
    async stop() {},
  } as unknown as SessionStatusCache & { revoked: Set<string>; checked: string[] };
}

/** Records `report(message, error)` calls (best-effort failures). */
export function recordingReport(): ((message: string, error: unknown) => void) & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  const report = (message: string, error: unknown) => {
    calls.push([message, error]);
  };
  return Object.assign(report, { calls });
}

export const testSettings = (overrides: Partial<AuthSettings> = {}): AuthSettings => ({
  refreshTokenTtlSeconds: 3600,
  sessionMaxLifetimeSeconds: 30 * 86_400,
  refreshReuseGraceSeconds: 10,
  maxPasswordLength: 128,
  lockoutSeconds: 900,
  reauthMaxAgeSeconds: 600,
  requireVerifiedContact: false,
  otp: { ttlSeconds: 600, maxAttempts: 5, resendSeconds: 60 },
  ...overrides,
});

export const testCtx: RequestContext = { requestId: "req-1", ipAddress: "203.0.113.7", userAgent: "unit-test/1.0" };

/** A User row as a repository would return it. */
export function userRecord(overrides: Partial<User> = {}): User {
  return {
    id: "00000000-0000-7000-8000-0000000000aa",
    username: "ada",
    usernameNormalized: "ada",
    email: "ada@example.com",
    phone: null,
    fullName: "Ada Lovelace",
    passwordHash: "h:correct horse battery staple",
    emailVerified: true,
    phoneVerified: false,
    mfaEnabled: false,
    totpSecretEnc: null,
    totpLastStep: null,
    roles: ["user"],
    plan: "free",
    isActive: true,
    deletedAt: null,
    createdAt: T0,
    updatedAt: T0,
    lastLoginAt: null,
    authVersion: 0,
    ...overrides,
  };
}

/** A Principal for `userId` on `sessionId` (what ValidateToken hands a bearer use case). */
export function principalFor(userId: string, sessionId: string, at: Date = T0): Principal {
  return { userId, sessionId, username: "ada", roles: ["user"], scopes: [], jti: "jti-p", issuedAt: at, expiresAt: new Date(at.getTime() + 900_000) };
}

/** A UnitOfWork whose every use fails the test: for use cases that must not touch the database. */
export const untouchableUnitOfWork = new Proxy({} as UnitOfWork, {
  get(_target, prop) {
    throw new Error(`unit of work used (${String(prop)}) where it must not be`);
  },
});

/**
 * OAuthProviders for use-case tests: one provider "acme" (trusted with email_verified) and one
 * "other"; the authorization URL echoes the flow, and `exchange` answers what `next` holds (or
 * throws it), recording what it was given. Integration tests use a real provider instead
 * (test/support/oidc-provider.ts).
 */
export function scriptedProviders(
  providers: OAuthProvider[] = [
    { id: "acme", issuer: "https://idp.acme.test", trustEmailVerified: true },
    { id: "other", issuer: "https://idp.other.test", trustEmailVerified: false },
  ],
) {
  const calls: { providerId: string; code: string; codeVerifier: string; nonce: string; state: string }[] = [];
  const scripted = {
    next: { issuer: "https://idp.acme.test", subject: "sub-1", email: "ada@example.com", emailVerified: true, name: "Ada", preferredUsername: null } as
      | VerifiedIdentity
      | Error,
    calls,
    list: () => providers,
    get: (id: string) => providers.find((p) => p.id === id) ?? null,
    authorizationUrl: async (providerId: string, flow: { state: string; nonce: string; codeVerifier: string }) =>
      `https://idp.test/${providerId}/authorize?state=${flow.state}&nonce=${flow.nonce}&verifier=${flow.codeVerifier}`,
    exchange: async (providerId: string, input: { code: string; state: string; codeVerifier: string; nonce: string }) => {
      calls.push({ providerId, ...input });
      if (scripted.next instanceof Error) throw scripted.next;
      return scripted.next;
    },
  };
  return scripted satisfies OAuthProviders;
}

export interface FakeDeps extends CoreDeps {
  clock: ManualClock;
  ids: IdGenerator & { issued: string[] };
  hasher: ReturnType<typeof fakeHasher>;
  tokens: ReturnType<typeof fakeTokens>;
  loginFailures: ReturnType<typeof countingLimiter>;
  failureAudits: ReturnType<typeof countingLimiter>;
  notices: ReturnType<typeof countingLimiter>;
  ipAttempts: ReturnType<typeof countingLimiter>;
  sessionStatus: ReturnType<typeof fakeSessionStatus>;
  revoker: ReturnType<typeof recordingRevoker>;
  notifier: ReturnType<typeof recordingNotifier>;
  totp: ReturnType<typeof fakeTotp>;
  report: ReturnType<typeof recordingReport>;
  oauthProviders: ReturnType<typeof scriptedProviders>;
  webauthn: ReturnType<typeof fakeWebAuthn>;
}

/**
 * A full CoreDeps of fakes: a ManualClock at T0, sequential ids, seeded randomness, the fake
 * hasher/tokens/sealer/TOTP, counting limiters (5 login failures, 10 failure audits, 3 notices
 * per key, 1000 IP attempts), a recording notifier, revoker and report. `uow` defaults to one
 * that throws when used; pass a real (memory) one for use cases that need it.
 */
export function makeDeps<O extends Partial<CoreDeps> = Record<never, never>>(overrides: O = {} as O): Omit<FakeDeps, keyof O> & O {
  const clock = overrides.clock instanceof ManualClock ? overrides.clock : new ManualClock();
  const base: FakeDeps = {
    uow: untouchableUnitOfWork,
    clock,
    ids: sequentialIds(),
    random: seededRandom(),
    hasher: fakeHasher(),
    passwordPolicy: new PasswordPolicy({ minLength: 8, maxLength: 128, requireClasses: false }, (pw) => pw === "password1"),
    tokens: fakeTokens(clock),
    loginFailures: countingLimiter(5),
    failureAudits: countingLimiter(10),
    notices: countingLimiter(3),
    ipAttempts: countingLimiter(1000),
    sessionStatus: fakeSessionStatus(),
    revoker: recordingRevoker(),
    ...apiKeyDeps(clock),
    subjectPlans: new SubjectPlans(overrides.uow ?? untouchableUnitOfWork, recordingBus(), clock, { ttlMs: 1000, maxEntries: 1000 }),
    quota: new MemoryQuotaCounter(clock),
    quotaOutcomes: { record: () => {} },
    securityEvents: { record: () => {} },
    settings: testSettings(),
    oauthProviders: scriptedProviders(),
    oauthFlows: new MemoryFlowStore(clock),
    passkeyChallenges: new MemoryFlowStore(clock),
    webauthn: fakeWebAuthn(),
    notifier: recordingNotifier(),
    codeHasher: fakeCodeHasher(),
    sealer: fakeSealer(),
    totp: fakeTotp(),
    report: recordingReport(),
  };
  return { ...base, ...overrides } as Omit<FakeDeps, keyof O> & O;
}

/** Lets fire-and-forget work of the fakes above finish (they only ever wait on promises). */
export function flushBackground(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Puts `userRecord(overrides)` into a unit of work through the port (create, then an update
 * for what create does not take), so it holds exactly what a repository would return.
 * authVersion stays 0 (only bumpAuthVersion moves it).
 */
export async function seedUser(uow: Pick<UnitOfWork, "users">, overrides: Partial<User> = {}): Promise<User> {
  const u = userRecord(overrides);
  await uow.users.create({
    id: u.id,
    username: u.username,
    usernameNormalized: u.usernameNormalized,
    email: u.email,
    phone: u.phone,
    fullName: u.fullName,
    passwordHash: u.passwordHash,
    roles: u.roles,
    plan: u.plan,
    createdAt: u.createdAt,
  });
  return uow.users.update(u.id, {
    emailVerified: u.emailVerified,
    phoneVerified: u.phoneVerified,
    mfaEnabled: u.mfaEnabled,
    totpSecretEnc: u.totpSecretEnc,
    totpLastStep: u.totpLastStep,
    isActive: u.isActive,
    deletedAt: u.deletedAt,
    ...(u.lastLoginAt ? { lastLoginAt: u.lastLoginAt } : {}),
    updatedAt: u.updatedAt,
  });
}

// ---------------------------------------------------------------------------------------------
// AdminService (src/application/admin): a memory unit of work with an admin, a plain user and a
// service account, and the actors that act as them.

/** ada (admin), bob (plain user) and the service account "ops-tool" on a fresh memory unit of work. */
export async function seedAdminWorld(uow: UnitOfWork) {
  const admin = await seedUser(uow, { roles: ["user", "admin"] });
  const bob = await seedUser(uow, {
    id: "00000000-0000-7000-8000-0000000000bb",
    username: "Bob",
    usernameNormalized: "bob",
    email: "bob@example.com",
  });
  const service = await uow.serviceAccounts.create({ id: "00000000-0000-7000-8000-0000000000cc", name: "ops-tool", isActive: true, createdAt: T0 });
  return {
    admin,
    bob,
    service,
    asAdmin: { type: "user" as const, userId: admin.id },
    asService: { type: "service" as const, serviceId: service.id },
  };
}

// ---------------------------------------------------------------------------------------------
// API keys: the real cache and usage recorder (in memory, never started: no bus subscription)
// and a revocations stand-in that records what it was told.

import type { ApiKeyRevocations } from "../../src/application/api-keys/api-key-revocations.js";
import { ApiKeyStatusCache } from "../../src/application/api-keys/api-key-status.js";
import { ApiKeyUsage } from "../../src/application/api-keys/api-key-usage.js";
import type { ApiKeyRepository } from "../../src/application/ports/api-keys.js";
import type { RevocationBus } from "../../src/application/ports/coordination.js";

/** A healthy bus that keeps what is published and delivers nothing. */
export function recordingBus(): RevocationBus & { published: string[][]; healthy: boolean } {
  const bus = {
    published: [] as string[][],
    healthy: true,
    async publish(ids: string[]) {
      bus.published.push([...ids]);
    },
    async subscribe() {
      return async () => {};
    },
    isHealthy: () => bus.healthy,
    async close() {},
  };
  return bus;
}

/** ApiKeyRevocations that records the key ids and owners announced (a class: cast, not structural). */
export function recordingApiKeyRevocations(): ApiKeyRevocations & { keys: string[][]; owners: string[] } {
  const keys: string[][] = [];
  const owners: string[] = [];
  return {
    keys,
    owners,
    async announceKeys(ids: readonly string[]) {
      keys.push([...ids]);
    },
    async announceOwner(id: string) {
      owners.push(id);
    },
  } as unknown as ApiKeyRevocations & { keys: string[][]; owners: string[] };
}

/** A `touch` that records its calls. */
export function recordingTouch(): Pick<ApiKeyRepository, "touch"> & { calls: { ids: string[]; at: Date }[] } {
  const calls: { ids: string[]; at: Date }[] = [];
  return {
    calls,
    async touch(ids, at) {
      calls.push({ ids: [...ids], at: new Date(at) });
    },
  };
}

/** The API key parts of CoreDeps for makeDeps: a 1 s cache on a recording bus, recorded revocations and touches. */
export function apiKeyDeps(clock: Clock): Pick<CoreDeps, "apiKeyStatus" | "apiKeyRevocations" | "apiKeyUsage"> {
  return {
    apiKeyStatus: new ApiKeyStatusCache(recordingBus(), clock, { ttlMs: 1000, maxEntries: 1000 }),
    apiKeyRevocations: recordingApiKeyRevocations(),
    apiKeyUsage: new ApiKeyUsage(recordingTouch(), clock),
  };
}
