/**
 * What the use-case unit tests of sign-in/, codes/ and mfa/ add to fakes.ts: a password hasher
 * that records the order of its calls (so a test can tell "argon2 ran" from "nothing was
 * checked") and knows old parameters (rehash), seeding of accounts through the repositories,
 * and a hook that lets another writer commit between a use case's check and its write.
 */
import type { PasswordHasher } from "../../src/application/ports/credentials.js";
import type { Notification, SecurityNotice } from "../../src/application/ports/delivery.js";
import type { UnitOfWork } from "../../src/application/ports/unit-of-work.js";
import type { CoreDeps } from "../../src/application/shared/deps.js";
import type { AuthSettings } from "../../src/application/shared/settings.js";
import type { User } from "../../src/domain/user.js";
import { type FakeDeps, makeDeps, testSettings } from "./fakes.js";

export const PASSWORD = "correct horse battery staple";

/**
 * Not argon2, but the same contract: `hash` gives `h:<password>` (current parameters); a stored
 * `h1:<password>` verifies but needs a rehash. Every call is logged in order; `beforeVerify`
 * runs once inside the next verify (a concurrent writer committing while argon2 runs).
 */
export function recordingHasher(): PasswordHasher & { calls: string[]; beforeVerify: (() => Promise<unknown>) | null } {
  const h = {
    calls: [] as string[],
    beforeVerify: null as (() => Promise<unknown>) | null,
    async hash(password: string) {
      h.calls.push("hash");
      return `h:${password}`;
    },
    async verify(hash: string, password: string) {
      h.calls.push("verify");
      const hook = h.beforeVerify;
      h.beforeVerify = null;
      if (hook) await hook();
      return hash === `h:${password}` || hash === `h1:${password}`;
    },
    needsRehash: (hash: string) => hash.startsWith("h1:"),
    async verifyDummy() {
      h.calls.push("verifyDummy");
    },
  };
  return h;
}

export type UnitDeps = FakeDeps & { uow: UnitOfWork; hasher: ReturnType<typeof recordingHasher> };

/** makeDeps with the given unit of work and the recording hasher. */
export function unitDeps(uow: UnitOfWork, options: { settings?: Partial<AuthSettings>; loginFailures?: CoreDeps["loginFailures"] } = {}): UnitDeps {
  return makeDeps({
    uow,
    hasher: recordingHasher(),
    settings: testSettings(options.settings),
    ...(options.loginFailures ? { loginFailures: options.loginFailures } : {}),
  }) as unknown as UnitDeps;
}

/** Seeded account fields: anything a User has, set through create + update as a real write would. */
export type SeedUser = Partial<
  Pick<
    User,
    "username" | "email" | "phone" | "fullName" | "passwordHash" | "emailVerified" | "phoneVerified" | "mfaEnabled" | "totpSecretEnc" | "isActive" | "deletedAt"
  >
>;

let seeded = 0;

/** Inserts an account (default: ada, verified email, PASSWORD) and returns it as stored. */
export async function seedUser(deps: Pick<CoreDeps, "uow" | "clock">, fields: SeedUser = {}): Promise<User> {
  const n = ++seeded;
  const username = fields.username ?? `ada${n}`;
  const now = deps.clock.now();
  const created = await deps.uow.users.create({
    id: `00000000-0000-7000-9000-${String(n).padStart(12, "0")}`,
    username,
    usernameNormalized: username.toLowerCase(),
    email: fields.email === undefined ? `${username.toLowerCase()}@example.com` : fields.email,
    phone: fields.phone ?? null,
    fullName: fields.fullName ?? "Ada Lovelace",
    passwordHash: fields.passwordHash === undefined ? `h:${PASSWORD}` : fields.passwordHash,
    roles: ["user"],
    plan: "free",
    createdAt: now,
  });
  return deps.uow.users.update(created.id, {
    emailVerified: fields.emailVerified ?? created.email !== null,
    phoneVerified: fields.phoneVerified ?? false,
    mfaEnabled: fields.mfaEnabled ?? false,
    totpSecretEnc: fields.totpSecretEnc ?? null,
    isActive: fields.isActive ?? true,
    deletedAt: fields.deletedAt ?? null,
    updatedAt: now,
  });
}

/** Turns TOTP on for the account with `secret`, sealed as EnrollTotp seals it. */
export async function seedTotp(deps: Pick<CoreDeps, "uow" | "clock" | "sealer">, user: User, secret = "TOTPSECRET"): Promise<User> {
  return deps.uow.users.update(user.id, {
    mfaEnabled: true,
    totpSecretEnc: deps.sealer.seal(secret, `totp:${user.id}`),
    totpLastStep: null,
    updatedAt: deps.clock.now(),
  });
}

/** Stores recovery codes as ConfirmTotp does (keyed hash of the dash-less lower-case form). */
export async function seedRecoveryCodes(deps: Pick<CoreDeps, "uow" | "clock" | "codeHasher">, user: User, codes: string[]): Promise<void> {
  await deps.uow.recoveryCodes.replaceAll(
    user.id,
    codes.map((c, i) => ({
      id: `00000000-0000-7000-a000-${String(i + 1).padStart(12, "0")}`,
      codeHash: deps.codeHasher.hash(c.toLowerCase().replace(/[\s-]/g, ""), `recovery:${user.id}`),
    })),
    deps.clock.now(),
  );
}

/**
 * Runs `hook` once, right after the next call of `obj[method]` has answered: a write committed
 * by someone else between a use case's read and the conditional write it allows.
 */
export function afterNextCall<T extends object, K extends keyof T>(obj: T, method: K, hook: () => Promise<unknown>): void {
  const original = obj[method] as unknown as (...args: unknown[]) => Promise<unknown>;
  let fired = false;
  (obj as Record<K, unknown>)[method] = async (...args: unknown[]) => {
    const result = await original.apply(obj, args);
    if (!fired) {
      fired = true;
      await hook();
    }
    return result;
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { reason?: string; fieldViolations?: { field: string }[]; retryAfterSeconds?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { reason?: string };
  }
  throw new Error("expected a rejection, got a result");
}

/** The code of the last `code` message sent to `to`. */
export function lastCodeTo(sent: Notification[], to: string): string {
  const message = [...sent].reverse().find((n) => n.kind === "code" && n.to === to);
  if (message?.kind !== "code" || !message.code) throw new Error(`no code was sent to ${to}`);
  return message.code;
}

/** [notice, to] of every security notice sent. */
export function noticesSent(sent: Notification[]): [SecurityNotice, string][] {
  return sent.flatMap((n) => (n.kind === "notice" ? [[n.notice, n.to] as [SecurityNotice, string]] : []));
}
