import { DomainError, type Violations } from "../../domain/errors.js";
import { isValidEmail, isValidPhone, normalizeEmail, normalizePhone } from "../../domain/identifiers.js";
import { canSignIn, type User } from "../../domain/user.js";
import type { OtpCodeRecord } from "../ports/codes.js";
import type { Channel, OtpPurpose } from "../ports/delivery.js";
import type { RequestContext } from "../ports/time.js";
import { accountKey, beginCredentialCheck, type CredentialAttempt, credentialFailed, identifierKey } from "./credential-attempts.js";
import type { CoreDeps } from "./deps.js";
import { SIX_DIGIT_CODE } from "./field-rules.js";

export interface Contact {
  channel: Channel;
  /** Normalized email or E.164 phone. */
  destination: string;
}

/** The `contact` oneof: exactly one of email or phone, validated and normalized. */
export function contactFrom(input: { email?: string | undefined; phone?: string | undefined }, violations: Violations): Contact | null {
  const email = input.email ?? "";
  const phone = input.phone ?? "";
  if ((email === "") === (phone === "")) {
    violations.add("email", "give exactly one of email or phone");
    return null;
  }
  if (email !== "") {
    const destination = normalizeEmail(email);
    if (!isValidEmail(destination)) violations.add("email", "must be a valid email address");
    return { channel: "email", destination };
  }
  const destination = normalizePhone(phone);
  if (!isValidPhone(destination)) violations.add("phone", "must be an E.164 number such as +4915112345678");
  return { channel: "sms", destination };
}

export function checkCodeFormat(code: string, field: string, violations: Violations): void {
  if (!SIX_DIGIT_CODE.test(code.trim())) violations.add(field, "must be the 6-digit code");
}

/** The account that uses this contact, if it may sign in. */
export async function accountFor(deps: Pick<CoreDeps, "uow">, contact: Contact): Promise<User | null> {
  const user = await deps.uow.users.findByIdentifier(contact.channel === "email" ? "email" : "phone", contact.destination);
  return user && canSignIn(user) ? user : null;
}

/** 6 decimal digits from the CSPRNG, without modulo bias (rejection sampling). */
export function newCode(deps: Pick<CoreDeps, "random">): string {
  for (;;) {
    const n = Buffer.from(deps.random.bytes(4)).readUInt32BE(0);
    if (n < 4_294_000_000) return String(n % 1_000_000).padStart(6, "0");
  }
}

const context = (purpose: OtpPurpose, destination: string) => `otp:${purpose}:${destination}`;

type SendDeps = Pick<CoreDeps, "uow" | "clock" | "ids" | "random" | "notifier" | "notices" | "codeHasher" | "settings">;

/**
 * Sends a code to the destination. For a destination no account uses, the send is recorded the
 * same way, so the answer and the resend limit do not tell whether the contact is known; an
 * email then gets a short "no account" notice (at most AUTH__NOTICES_PER_DAY a day), a phone
 * gets nothing (no SMS toll fraud or bombing through RequestOtp). The row is written before
 * delivery and removed if delivery fails: a provider outage spends neither the resend limit
 * nor a code.
 */
export async function sendCode(
  deps: SendDeps,
  contact: Contact,
  purpose: OtpPurpose,
  user: User | null,
): Promise<{ expiresAt: Date; resendAfterSeconds: number }> {
  const now = deps.clock.now();
  const { ttlSeconds, resendSeconds } = deps.settings.otp;
  const last = await deps.uow.otpCodes.latestSentTo(contact.destination);
  if (last) {
    const wait = Math.ceil((last.createdAt.getTime() + resendSeconds * 1000 - now.getTime()) / 1000);
    if (wait > 0) throw new DomainError("RATE_LIMITED", "A code was sent to this destination moments ago", { retryAfterSeconds: wait });
  }
  const code = newCode(deps);
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  const id = deps.ids.newId();
  await deps.uow.otpCodes.insert({
    id,
    userId: user?.id ?? null,
    purpose,
    channel: contact.channel,
    destination: contact.destination,
    // Without an account the hash is of a code nobody is sent: it can never verify.
    codeHash: deps.codeHasher.hash(user ? code : `${newCode(deps)}x`, context(purpose, contact.destination)),
    createdAt: now,
    expiresAt,
  });
  try {
    if (user) {
      await deps.notifier.send({ channel: contact.channel, to: contact.destination, kind: "code", purpose, code, expiresAt });
    } else if (contact.channel === "email" && (await deps.notices.consume(`no_account:${contact.destination}`)).allowed) {
      await deps.notifier.send({ channel: contact.channel, to: contact.destination, kind: "no_account", purpose, expiresAt });
    }
  } catch (error) {
    await deps.uow.otpCodes.delete(id);
    throw error;
  }
  return { expiresAt, resendAfterSeconds: resendSeconds };
}

export type CodeMatch = { ok: true; record: OtpCodeRecord & { userId: string } } | { ok: false };

/**
 * Checks a code against the newest one sent to the destination for this purpose (so a code of
 * one purpose never works for another), without using it up. Wrong, expired, used and burned
 * codes are all `{ ok: false }` (a wrong try counts on the code, and the try reaching
 * OTP__MAX_ATTEMPTS burns it); a fault throws and is never taken for a wrong code.
 */
export async function matchCode(
  deps: Pick<CoreDeps, "uow" | "clock" | "codeHasher" | "settings">,
  contact: Contact,
  purpose: OtpPurpose,
  code: string,
): Promise<CodeMatch> {
  const now = deps.clock.now();
  const record = await deps.uow.otpCodes.latestFor(contact.destination, purpose);
  if (
    !record ||
    record.userId === null ||
    record.consumedAt !== null ||
    record.attempts >= deps.settings.otp.maxAttempts ||
    record.expiresAt.getTime() <= now.getTime()
  ) {
    return { ok: false };
  }
  if (!deps.codeHasher.matches(code.trim(), context(purpose, contact.destination), record.codeHash)) {
    await deps.uow.otpCodes.recordFailedAttempt(record.id, deps.settings.otp.maxAttempts, now);
    return { ok: false };
  }
  return { ok: true, record: { ...record, userId: record.userId } };
}

/** Uses a matched code up: single use even when two requests present the same code at once. */
export async function useCode(deps: Pick<CoreDeps, "uow" | "clock">, record: OtpCodeRecord): Promise<void> {
  if (!(await deps.uow.otpCodes.consume(record.id, deps.clock.now()))) throw otpInvalid();
}

export const otpInvalid = () => new DomainError("OTP_INVALID", "The code is wrong or no longer valid");

type CheckDeps = Parameters<typeof beginCredentialCheck>[0] & Parameters<typeof credentialFailed>[0] & Pick<CoreDeps, "codeHasher">;

/**
 * A one-time code check inside the account's failure limit (security.md 39): a locked account
 * (or unknown contact) answers ACCOUNT_LOCKED and no code is compared; a wrong code is audited
 * `otp.failed` and counted. Returns the counted attempt, the matched code (not used up yet) and
 * its owner, who still holds the contact and may sign in.
 */
export async function checkCode(
  deps: CheckDeps,
  ctx: RequestContext,
  contact: Contact,
  purpose: OtpPurpose,
  code: string,
): Promise<{ attempt: CredentialAttempt; record: OtpCodeRecord & { userId: string }; user: User }> {
  const kind = contact.channel === "email" ? "email" : "phone";
  const account = await deps.uow.users.findByIdentifier(kind, contact.destination);
  const key = account ? accountKey(account.id) : identifierKey(kind, contact.destination);
  const attempt = await beginCredentialCheck(deps, ctx, key, { userId: account?.id ?? null, type: "otp.failed" });
  const match = await matchCode(deps, contact, purpose, code);
  // The code's account must still hold the contact and be allowed to sign in.
  const owner = match.ok ? await codeOwner(deps, match.record.userId, contact) : null;
  if (!match.ok || !owner) {
    await credentialFailed(deps, ctx, attempt, { type: "otp.failed", user: account, metadata: { purpose } });
    throw otpInvalid();
  }
  return { attempt, record: match.record, user: owner };
}

/** The user the code was sent to, if the contact is still theirs and they may sign in; else null. */
export async function codeOwner(deps: Pick<CoreDeps, "uow">, userId: string, contact: Contact): Promise<User | null> {
  const user = await deps.uow.users.findById(userId);
  const current = contact.channel === "email" ? user?.email : user?.phone;
  return user && canSignIn(user) && current === contact.destination ? user : null;
}

/** The conditional-update expectation that the code's contact is still the account's. */
export function stillHolds(contact: Contact): { email: string } | { phone: string } {
  return contact.channel === "email" ? { email: contact.destination } : { phone: contact.destination };
}

/** The patch marking the code's contact verified. */
export function markVerified(contact: Contact): { emailVerified: true } | { phoneVerified: true } {
  return contact.channel === "email" ? { emailVerified: true } : { phoneVerified: true };
}

/**
 * Best effort, in the background: sends a VERIFY_CONTACT code to each of the user's contacts
 * on the given channels. The call that triggered it (Register, UpdateMe) never waits on a mail
 * or SMS provider: a hung one would hold it for timeout × retries. A failed send is reported;
 * the user asks for another code with RequestOtp.
 */
export function sendVerificationCodes(deps: SendDeps & Pick<CoreDeps, "report">, user: User, channels: readonly Channel[]): void {
  const contacts: Contact[] = [];
  if (channels.includes("email") && user.email) contacts.push({ channel: "email", destination: user.email });
  if (channels.includes("sms") && user.phone) contacts.push({ channel: "sms", destination: user.phone });
  void (async () => {
    for (const contact of contacts) {
      await sendCode(deps, contact, "verify_contact", user).catch((error: unknown) => deps.report(`verification code to ${contact.channel} not sent`, error));
    }
  })();
}
