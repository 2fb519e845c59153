import { DomainError, type Violations } from "../domain/errors.js";
import { normalizeEmail, normalizePhone, isValidEmail, isValidPhone } from "../domain/identifiers.js";
import { canSignIn, type User } from "../domain/user.js";
import type { CoreDeps } from "./deps.js";
import type { Channel, OtpCodeRecord, OtpPurpose } from "./ports.js";

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
  if (!/^\d{6}$/.test(code.trim())) violations.add(field, "must be the 6-digit code");
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

type SendDeps = Pick<CoreDeps, "uow" | "clock" | "ids" | "random" | "notifier" | "codeHasher" | "settings">;

/**
 * Sends a code to the destination. For a destination no account uses it sends a short notice
 * instead and records the send the same way, so the answer, the resend limit and the time
 * taken do not tell whether the contact is known. The row is written before delivery and
 * removed if delivery fails: a provider outage spends neither the resend limit nor a code.
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
    codeHash: deps.codeHasher.hash(user ? code : newCode(deps) + "x", context(purpose, contact.destination)),
    createdAt: now,
    expiresAt,
  });
  try {
    await deps.notifier.send({
      channel: contact.channel,
      to: contact.destination,
      kind: user ? "code" : "no_account",
      purpose,
      ...(user ? { code } : {}),
      expiresAt,
    });
  } catch (error) {
    await deps.uow.otpCodes.delete(id);
    throw error;
  }
  return { expiresAt, resendAfterSeconds: resendSeconds };
}

/**
 * Checks a code against the newest one sent to the destination for this purpose (so a code of
 * one purpose never works for another) and uses it up. Wrong, expired, used and burned codes
 * all answer OTP_INVALID; a wrong try counts, and the try reaching OTP__MAX_ATTEMPTS burns it.
 */
export async function consumeCode(
  deps: Pick<CoreDeps, "uow" | "clock" | "codeHasher" | "settings">,
  contact: Contact,
  purpose: OtpPurpose,
  code: string,
): Promise<OtpCodeRecord & { userId: string }> {
  const now = deps.clock.now();
  const record = await deps.uow.otpCodes.latestFor(contact.destination, purpose);
  const invalid = () => new DomainError("OTP_INVALID", "The code is wrong or no longer valid");
  if (
    !record ||
    record.userId === null ||
    record.consumedAt !== null ||
    record.attempts >= deps.settings.otp.maxAttempts ||
    record.expiresAt.getTime() <= now.getTime()
  ) {
    throw invalid();
  }
  if (!deps.codeHasher.matches(code.trim(), context(purpose, contact.destination), record.codeHash)) {
    await deps.uow.otpCodes.recordFailedAttempt(record.id, deps.settings.otp.maxAttempts, now);
    throw invalid();
  }
  // Single use even when two requests present the same code at once.
  if (!(await deps.uow.otpCodes.consume(record.id, now))) throw invalid();
  return { ...record, userId: record.userId };
}

/** The user the code was sent to, if the contact is still theirs and they may sign in. */
export async function codeOwner(deps: Pick<CoreDeps, "uow">, userId: string, contact: Contact): Promise<User> {
  const user = await deps.uow.users.findById(userId);
  const current = contact.channel === "email" ? user?.email : user?.phone;
  if (!user || !canSignIn(user) || current !== contact.destination) {
    throw new DomainError("OTP_INVALID", "The code is wrong or no longer valid");
  }
  return user;
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
      await sendCode(deps, contact, "verify_contact", user).catch((error: unknown) =>
        deps.report(`verification code to ${contact.channel} not sent`, error),
      );
    }
  })();
}
