import type { Violations } from "./errors.js";

/** Usernames: 3-32 of letters, digits, `_ . -`; unique case-insensitively. */
const USERNAME = /^[\p{L}\p{N}_.-]{3,32}$/u;
/** E.164: a plus, a non-zero country digit, up to 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;
/**
 * Deliberately simple: one @, no spaces, a dot in the domain. The real check of an address is
 * a code sent to it; a strict RFC 5322 regex only rejects real users.
 */
const EMAIL = /^[^\s@\p{Cc}\p{Cf}]+@[^\s@\p{Cc}\p{Cf}]+\.[^\s@\p{Cc}\p{Cf}]+$/u;
/**
 * Control characters (NUL included: PostgreSQL refuses it in text), lone surrogates and format
 * characters (Cf): bidi overrides and isolates (U+202A-202E, U+2066-2069) reorder what an
 * operator or another user reads ("Trojan Source"), and zero-width ones (U+200B-200D, U+FEFF,
 * U+2060) make two different strings look alike.
 */
const UNSAFE_TEXT = /[\p{Cc}\p{Cs}\p{Cf}]/u;

/** Free text (names, device labels) may hold any printable Unicode, but no control or format characters. */
export function isSafeText(text: string): boolean {
  return !UNSAFE_TEXT.test(text);
}
const EMAIL_MAX = 254;

export type IdentifierKind = "email" | "phone" | "username";

export function normalizeUsername(username: string): string {
  return username.normalize("NFKC").toLowerCase();
}

export function normalizeEmail(email: string): string {
  return email.trim().normalize("NFKC").toLowerCase();
}

/** Accepts common punctuation in input ("+49 151 1234-5678") and returns pure E.164. */
export function normalizePhone(phone: string): string {
  return phone.trim().replace(/[\s().-]/g, "");
}

export function isValidUsername(username: string): boolean {
  return USERNAME.test(username.normalize("NFKC"));
}

/**
 * Names that would let an account pass for the service or its staff in a message, a profile or
 * a support conversation. Compared after folding (see reservedUsername), so `Ad.Min`, `ROOT_`
 * and full-width `ａｄｍｉｎ` are refused too.
 */
const RESERVED_USERNAMES: ReadonlySet<string> = new Set(
  [
    "admin",
    "administrator",
    "root",
    "support",
    "system",
    "security",
    "help",
    "info",
    "postmaster",
    "abuse",
    "noreply",
    "no-reply",
    "webmaster",
    "hostmaster",
    "staff",
    "moderator",
    "owner",
    "official",
    "api",
    "auth",
    "login",
    "null",
    "undefined",
    "anonymous",
    "anonym",
  ].map(foldUsername),
);

/** NFKC, lower case, separators (`.`, `_`, `-`) dropped: what a reader sees as "the same name". */
function foldUsername(username: string): string {
  return username.normalize("NFKC").toLowerCase().replace(/[._-]/g, "");
}

/** Whether `username` folds to a reserved name (admin, root, support, ...). */
export function isReservedUsername(username: string): boolean {
  return RESERVED_USERNAMES.has(foldUsername(username));
}

export function isValidEmail(normalizedEmail: string): boolean {
  return normalizedEmail.length <= EMAIL_MAX && EMAIL.test(normalizedEmail);
}

export function isValidPhone(normalizedPhone: string): boolean {
  return E164.test(normalizedPhone);
}

/** The server tells which kind of identifier a login names: `@` → email, `+digits` → phone. */
export function classifyIdentifier(raw: string): { kind: IdentifierKind; value: string } {
  // NFKC first: a full-width ＠ or ＋ must classify as what Register normalized it to.
  const trimmed = raw.normalize("NFKC").trim();
  if (trimmed.includes("@")) return { kind: "email", value: normalizeEmail(trimmed) };
  const phone = normalizePhone(trimmed);
  if (phone.startsWith("+") && isValidPhone(phone)) return { kind: "phone", value: phone };
  return { kind: "username", value: normalizeUsername(trimmed) };
}

export interface ContactInput {
  username?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
}

export interface NormalizedContacts {
  username?: string;
  email?: string;
  phone?: string;
}

/**
 * Validates and normalizes whichever of username/email/phone are present (non-empty),
 * adding one violation per bad field.
 */
export function normalizeContacts(input: ContactInput, violations: Violations): NormalizedContacts {
  const out: NormalizedContacts = {};
  if (input.username !== undefined && input.username !== "") {
    const username = input.username.normalize("NFKC").trim();
    if (!isValidUsername(username)) {
      violations.add("username", "must be 3-32 characters of letters, digits, '_', '.' or '-'");
    } else if (isReservedUsername(username)) {
      violations.add("username", "is reserved");
    } else {
      out.username = username;
    }
  }
  if (input.email !== undefined && input.email !== "") {
    const email = normalizeEmail(input.email);
    if (!isValidEmail(email)) violations.add("email", "must be a valid email address");
    else out.email = email;
  }
  if (input.phone !== undefined && input.phone !== "") {
    const phone = normalizePhone(input.phone);
    if (!isValidPhone(phone)) violations.add("phone", "must be an E.164 number such as +4915112345678");
    else out.phone = phone;
  }
  return out;
}
