/** Fixtures shared by the one-time-code unit tests (src/application/shared/one-time-codes*.test.ts). */

import type { CodeNotification } from "../../src/application/ports/delivery.js";
import { type Contact, matchCode, sendCode } from "../../src/application/shared/one-time-codes.js";
import { createMemoryUnitOfWork } from "../../src/application/testing/memory-unit-of-work.js";
import { Violations } from "../../src/domain/errors.js";
import type { User } from "../../src/domain/user.js";
import { countingLimiter, makeDeps, seedUser, testSettings } from "./fakes.js";

export const EMAIL: Contact = { channel: "email", destination: "ada@example.com" };
export const PHONE: Contact = { channel: "sms", destination: "+4915112345678" };
export const GHOST_EMAIL: Contact = { channel: "email", destination: "ghost@example.com" };
export const GHOST_PHONE: Contact = { channel: "sms", destination: "+4915199999999" };

export async function setup(userOverrides: Partial<User> = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow, settings: testSettings({ otp: { ttlSeconds: 600, maxAttempts: 3, resendSeconds: 60 } }), notices: countingLimiter(2) });
  const user = await seedUser(uow, { phone: PHONE.destination, ...userOverrides });
  /** Sends a login code to the contact and answers the code the notifier was given. */
  const sendTo = async (contact: Contact, purpose: "login" | "verify_contact" | "reset_password" = "login") => {
    await sendCode(deps, contact, purpose, user);
    return (deps.notifier.sent.at(-1) as CodeNotification).code!;
  };
  return { uow, deps, user, sendTo };
}

/** The matched record, failing the test when the code does not match. */
export async function matched(...args: Parameters<typeof matchCode>) {
  const match = await matchCode(...args);
  if (!match.ok) throw new Error("expected the code to match");
  return match.record;
}

/** The field violations `fn` adds, as the thrown DomainError carries them. */
export function violationsOf(fn: (v: Violations) => void): { field: string; description: string }[] {
  const v = new Violations();
  fn(v);
  try {
    v.throwIfAny();
    return [];
  } catch (e) {
    return (e as { fieldViolations: { field: string; description: string }[] }).fieldViolations;
  }
}
