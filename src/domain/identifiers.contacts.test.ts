import { describe, expect, it } from "vitest";
import { DomainError, type FieldViolation, Violations } from "./errors.js";
import { type ContactInput, isReservedUsername, normalizeContacts } from "./identifiers.js";

/** Runs normalizeContacts and returns its output plus the violations it added. */
function contacts(input: ContactInput) {
  const violations = new Violations();
  const out = normalizeContacts(input, violations);
  let list: FieldViolation[] = [];
  try {
    violations.throwIfAny();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).reason).toBe("VALIDATION_FAILED");
    list = (error as DomainError).fieldViolations;
  }
  expect(violations.isEmpty).toBe(list.length === 0);
  return { out, violations: list };
}

describe("normalizeContacts", () => {
  it("normalizes every field present and adds no violation", () => {
    const { out, violations } = contacts({
      username: "  Alice_Smith ",
      email: " Alice@Example.COM ",
      phone: "+49 151 1234-5678",
    });
    expect(violations).toEqual([]);
    // The username keeps its display case; uniqueness uses normalizeUsername.
    expect(out).toEqual({ username: "Alice_Smith", email: "alice@example.com", phone: "+4915112345678" });
  });

  it("skips fields that are absent or empty", () => {
    const { out, violations } = contacts({ username: "", email: undefined });
    expect(violations).toEqual([]);
    expect(out).toEqual({});
    expect(contacts({}).out).toEqual({});
  });

  it("adds one violation on `username` for a bad username and leaves it out", () => {
    const { out, violations } = contacts({ username: "ab", email: "bob@example.com" });
    expect(violations).toHaveLength(1);
    expect(violations[0]?.field).toBe("username");
    expect(out).toEqual({ email: "bob@example.com" });
  });

  it("adds one violation on `email` for a bad email", () => {
    const { out, violations } = contacts({ email: "not-an-email" });
    expect(violations.map((v) => v.field)).toEqual(["email"]);
    expect(out.email).toBeUndefined();
  });

  it("adds one violation on `phone` for a bad phone", () => {
    const { out, violations } = contacts({ phone: "0151 12345678" });
    expect(violations.map((v) => v.field)).toEqual(["phone"]);
    expect(violations[0]?.description).toMatch(/E\.164/);
    expect(out.phone).toBeUndefined();
  });

  it("reports every bad field at once, one violation each", () => {
    const { out, violations } = contacts({ username: "a b", email: "x@", phone: "+0" });
    expect(violations.map((v) => v.field)).toEqual(["username", "email", "phone"]);
    for (const v of violations) expect(v.description.length).toBeGreaterThan(0);
    expect(out).toEqual({});
  });

  it("never echoes the bad input in a violation", () => {
    const { violations } = contacts({ username: "<script>x</script>", email: "evil<script>@x", phone: "+1<script>" });
    expect(violations).toHaveLength(3);
    for (const v of violations) expect(v.description).not.toContain("script");
  });

  it("keeps violations already collected by the caller", () => {
    const violations = new Violations();
    violations.add("password", "must be at least 8 characters");
    normalizeContacts({ email: "nope" }, violations);
    try {
      violations.throwIfAny();
      expect.unreachable("should have thrown");
    } catch (error) {
      expect((error as DomainError).fieldViolations.map((v) => v.field)).toEqual(["password", "email"]);
    }
  });
});

describe("reserved usernames", () => {
  const RESERVED = [
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
  ];

  it("every listed name is reserved", () => {
    for (const name of RESERVED) expect(isReservedUsername(name), name).toBe(true);
  });

  it("folds before comparing: case, NFKC and the separators . _ - make no difference", () => {
    for (const name of ["Admin", "ADMIN", "ad.min", "a_d-m.i_n", "_root_", "Sup-Port", "no_reply", "no.reply", "ａｄｍｉｎ", "ＲＯＯＴ", "Web.Master"]) {
      expect(isReservedUsername(name), name).toBe(true);
    }
  });

  it("does not reserve names that merely contain or resemble one", () => {
    for (const name of ["admin2", "administrators", "rooted", "alice", "supporter", "helpful", "user_abc", "authority", "nullable", "apia"]) {
      expect(isReservedUsername(name), name).toBe(false);
    }
  });

  it("normalizeContacts refuses a reserved username with one violation on `username`, is reserved", () => {
    for (const username of ["admin", " Root ", "Ad.Min", "ｓｕｐｐｏｒｔ", "no-reply"]) {
      const { out, violations } = contacts({ username, email: "bob@example.com" });
      expect(violations, username).toEqual([{ field: "username", description: "is reserved" }]);
      expect(out).toEqual({ email: "bob@example.com" });
    }
    expect(contacts({ username: "admin_alice" }).violations).toEqual([]);
  });
});
