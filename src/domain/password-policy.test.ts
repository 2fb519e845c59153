import { describe, expect, it } from "vitest";
import { commonPasswordCheck } from "../adapters/crypto/common-passwords.js";
import { DomainError, type FieldViolation } from "./errors.js";
import { DEFAULT_PASSWORD_POLICY, normalizePassword, PasswordPolicy } from "./password-policy.js";

const isCommon = commonPasswordCheck();
const policy = new PasswordPolicy(DEFAULT_PASSWORD_POLICY, isCommon);
const strict = new PasswordPolicy({ ...DEFAULT_PASSWORD_POLICY, requireClasses: true }, isCommon);

/** Runs `fn`, expects a PASSWORD_TOO_WEAK DomainError, and returns its single field violation. */
function weakness(fn: () => unknown): FieldViolation {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  const error = caught as DomainError;
  expect(error.reason).toBe("PASSWORD_TOO_WEAK");
  expect(error.fieldViolations).toHaveLength(1);
  const violation = error.fieldViolations[0];
  if (violation === undefined) throw new Error("no field violation");
  return violation;
}

/** Code points, not UTF-16 units. */
const codePoints = (s: string) => [...s].length;

/** Builds a password of exactly `n` code points mixing letters, spaces and single-code-point emoji. */
function mixed(n: number): string {
  const alphabet = ["a", "Z", " ", "🔐", "q", "7", "🙂", " ", "ß", "ж"];
  let out = "";
  for (let i = 0; i < n; i++) out += alphabet[i % alphabet.length];
  return out;
}

describe("PasswordPolicy — length (security.md 1, 2)", () => {
  it("refuses 7 characters with PASSWORD_TOO_WEAK and a violation on the given field", () => {
    const v = weakness(() => policy.check("kx7#mPq", "new_password"));
    expect(v.field).toBe("new_password");
    expect(v.description).toMatch(/at least 8/);
  });

  it("uses whatever field name the caller passes", () => {
    expect(weakness(() => policy.check("short", "password")).field).toBe("password");
  });

  it("accepts exactly 8 characters and returns the password unchanged", () => {
    expect(policy.check("kx7#mPq2", "password")).toBe("kx7#mPq2");
  });

  it("accepts a 64-character password with spaces and emoji, untruncated", () => {
    const pw = mixed(64);
    expect(codePoints(pw)).toBe(64);
    expect(pw.length).toBeGreaterThan(64); // the emoji take two UTF-16 units each
    const out = policy.check(pw, "password");
    expect(out).toBe(pw);
    expect(codePoints(out)).toBe(64);
  });

  it("accepts a 128-character password with spaces and emoji, untruncated", () => {
    const pw = mixed(128);
    expect(codePoints(pw)).toBe(128);
    expect(policy.check(pw, "password")).toBe(pw);
  });

  it("counts an emoji as one character: 128 emoji (256 UTF-16 units) are accepted", () => {
    const pw = "🔐🙂".repeat(64);
    expect(pw.length).toBe(256);
    expect(policy.check(pw, "password")).toBe(pw);
  });

  it("counts an emoji as one character: 4 emoji + 3 letters (11 UTF-16 units) are still too short", () => {
    const pw = "🔐🙂🔐🙂abc";
    expect(pw.length).toBeGreaterThanOrEqual(8);
    expect(weakness(() => policy.check(pw, "password")).description).toMatch(/at least 8/);
  });

  it("refuses 129 characters", () => {
    const v = weakness(() => policy.check(mixed(129), "password"));
    expect(v.field).toBe("password");
    expect(v.description).toMatch(/at most 128/);
  });

  it("refuses 129 emoji", () => {
    expect(weakness(() => policy.check("🔐".repeat(129), "password")).description).toMatch(/at most 128/);
  });

  it("measures the length after normalization: an NFD spelling of a 7-letter word is still 7", () => {
    const nfd = "äöüäöüä".normalize("NFD");
    expect(codePoints(nfd)).toBe(14);
    expect(weakness(() => policy.check(nfd, "password")).description).toMatch(/at least 8/);
  });

  it("honours configured bounds", () => {
    const custom = new PasswordPolicy({ minLength: 12, maxLength: 64, requireClasses: false }, isCommon);
    expect(weakness(() => custom.check("kx7#mPq2vL!", "password")).description).toMatch(/at least 12/);
    expect(custom.check("kx7#mPq2vL!w", "password")).toBe("kx7#mPq2vL!w");
    expect(weakness(() => custom.check(mixed(65), "password")).description).toMatch(/at most 64/);
  });
});

describe("PasswordPolicy — common passwords (security.md 5)", () => {
  it('refuses "password1234" with a reason that says it is common', () => {
    const v = weakness(() => policy.check("password1234", "new_password"));
    expect(v.field).toBe("new_password");
    expect(v.description).toMatch(/common/i);
  });

  it("refuses a common password whatever its case", () => {
    expect(weakness(() => policy.check("PassWord1234", "password")).description).toMatch(/common/i);
  });

  it("refuses a full-width spelling of a common password (checked after NFKC)", () => {
    expect(weakness(() => policy.check("ｐａｓｓｗｏｒｄ１２３４", "password")).description).toMatch(/common/i);
  });

  it("accepts an uncommon password of the same shape", () => {
    expect(policy.check("kx7#mPq2vL!w", "password")).toBe("kx7#mPq2vL!w");
  });
});

describe("PasswordPolicy — composition rules (security.md 4)", () => {
  it("accepts a lower-case-only passphrase by default", () => {
    expect(policy.check("trombone lizard quietly", "password")).toBe("trombone lizard quietly");
  });

  it("refuses the same passphrase when requireClasses is on, naming exactly what is missing", () => {
    const v = weakness(() => strict.check("trombone lizard quietly", "password"));
    expect(v.description).toMatch(/upper-case/);
    expect(v.description).toMatch(/digit/);
    expect(v.description).not.toMatch(/lower-case/);
    // A space is a symbol (neither letter nor digit), so it must not be reported missing.
    expect(v.description).not.toMatch(/symbol/);
  });

  it("names a missing symbol and lower-case letter", () => {
    const v = weakness(() => strict.check("TROMBONE42LIZARD", "password"));
    expect(v.description).toMatch(/lower-case/);
    expect(v.description).toMatch(/symbol/);
    expect(v.description).not.toMatch(/upper-case/);
    expect(v.description).not.toMatch(/digit/);
  });

  it("accepts a password with every class when requireClasses is on", () => {
    expect(strict.check("Trombone-42-lizard", "password")).toBe("Trombone-42-lizard");
  });

  it("treats non-ASCII letters as letters of their case", () => {
    expect(strict.check("Ärger-42-über", "password")).toBe("Ärger-42-über");
  });
});

describe("PasswordPolicy — equals the identity", () => {
  it("refuses the username, case-insensitively", () => {
    const v = weakness(() => policy.check("zoltankovacs", "password", { username: "ZoltanKovacs" }));
    expect(v.description).toMatch(/username or email/);
    expect(weakness(() => policy.check("ZOLTANKOVACS", "password", { username: "zoltankovacs" })).description).toMatch(/username or email/);
  });

  it("refuses the email, case-insensitively", () => {
    const v = weakness(() => policy.check("Zoltan.K@Example.com", "password", { username: "zk", email: "zoltan.k@example.com" }));
    expect(v.description).toMatch(/username or email/);
  });

  it("refuses the local part of the email", () => {
    expect(weakness(() => policy.check("Zoltan.K", "password", { email: "zoltan.k@example.com" })).description).toMatch(/username or email/);
  });

  it("accepts a password that merely contains the username", () => {
    expect(policy.check("zoltankovacs-on-a-bike", "password", { username: "zoltankovacs" })).toBe("zoltankovacs-on-a-bike");
  });

  it("ignores empty identity fields", () => {
    expect(policy.check("kx7#mPq2vL!w", "password", { username: "", email: "" })).toBe("kx7#mPq2vL!w");
  });
});

describe("normalizePassword (security.md 7)", () => {
  const word = "Pässwörd-Ünïcode";
  const nfc = word.normalize("NFC");
  const nfd = word.normalize("NFD");

  it("maps the NFC and NFD spellings of one password to the same string", () => {
    expect(nfc).not.toBe(nfd);
    expect(normalizePassword(nfc)).toBe(normalizePassword(nfd));
  });

  it("makes PasswordPolicy.check return the same password for NFC and NFD input", () => {
    expect(policy.check(nfd, "password")).toBe(policy.check(nfc, "password"));
    expect(policy.check(nfd, "password")).toBe(nfc);
  });

  it("maps full-width digits and letters to ASCII (NFKC)", () => {
    expect(normalizePassword("１２３４")).toBe("1234");
    expect(normalizePassword("ｐａｓｓ１２３４")).toBe("pass1234");
  });

  it("keeps case, spaces and emoji, and never truncates", () => {
    const pw = `  Mixed Case 🔐 ${"x".repeat(200)}  `;
    expect(normalizePassword(pw)).toBe(pw);
  });
});
