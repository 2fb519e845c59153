import { describe, expect, it } from "vitest";
import { isSafeText, isValidEmail, isValidPhone, isValidUsername } from "./identifiers.js";

describe("isValidUsername", () => {
  it.each(["abc", "a".repeat(32), "alice_smith", "alice.smith", "alice-smith", "Alice99", "jürgen", "Ｊｏｅ"])("accepts %j", (name) => {
    expect(isValidUsername(name)).toBe(true);
  });

  it.each(["ab", "a".repeat(33), "alice smith", "alice@example", "alice+1", "", "al/ce", "bob\n"])("refuses %j", (name) => {
    expect(isValidUsername(name)).toBe(false);
  });

  it("counts characters, not UTF-16 units", () => {
    // 32 code points of a letter outside the BMP (Mathematical Alphanumeric letters become
    // ASCII under NFKC, so use a CJK Extension B ideograph, which stays as is).
    const wide = "𠀀".repeat(32);
    expect(wide.length).toBe(64);
    expect(isValidUsername(wide)).toBe(true);
    expect(isValidUsername("𠀀".repeat(33))).toBe(false);
  });
});

describe("isValidEmail", () => {
  it.each(["a@b.co", "alice.smith+tag@example.com", "jürgen@example.de"])("accepts %j", (email) => {
    expect(isValidEmail(email)).toBe(true);
  });

  it.each(["", "alice", "alice@", "@example.com", "alice@example", "al ice@example.com", "a@b@c.com"])("refuses %j", (email) => {
    expect(isValidEmail(email)).toBe(false);
  });

  it("bounds the length at 254 characters", () => {
    const domain = "@example.com";
    const at254 = "a".repeat(254 - domain.length) + domain;
    expect(at254).toHaveLength(254);
    expect(isValidEmail(at254)).toBe(true);
    expect(isValidEmail(`a${at254}`)).toBe(false);
  });
});

describe("isValidPhone (E.164)", () => {
  it.each(["+4915112345678", "+14155550100", "+1234567", "+123456789012345"])("accepts %j", (phone) => {
    expect(isValidPhone(phone)).toBe(true);
  });

  it.each([
    ["no plus", "4915112345678"],
    ["leading zero country code", "+0151123456"],
    ["too short (6 digits)", "+123456"],
    ["too long (16 digits)", "+1234567890123456"],
    ["letters", "+49151ABCDEFG"],
    ["unnormalized punctuation", "+49 151 12345678"],
    ["empty", ""],
  ])("refuses %s", (_label, phone) => {
    expect(isValidPhone(phone)).toBe(false);
  });
});

describe("isSafeText", () => {
  it("accepts printable text in any script, emoji included", () => {
    for (const text of ["Alice Smith", "Jürgen Müller", "東京 📱", "Zoë's iPhone", "محمد", ""]) expect(isSafeText(text), text).toBe(true);
  });

  it("refuses control characters and lone surrogates", () => {
    for (const text of ["a\u0000b", "line\nbreak", "esc\u001b[31m", "del\u007f", "half\ud800"]) expect(isSafeText(text), JSON.stringify(text)).toBe(false);
  });

  it("refuses format characters (Cf): bidi overrides and isolates, zero-width characters, BOM", () => {
    const format = [
      "\u202a",
      "\u202b",
      "\u202c",
      "\u202d",
      "\u202e",
      "\u2066",
      "\u2067",
      "\u2068",
      "\u2069",
      "\u200b",
      "\u200c",
      "\u200d",
      "\u200e",
      "\u200f",
      "\u2060",
      "\ufeff",
      "\u00ad",
      "\u061c",
    ];
    for (const c of format) expect(isSafeText(`Alice${c}Smith`), `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`).toBe(false);
    // The "Trojan Source" shape: reads as "Smith Alice" in a UI that honours the override.
    expect(isSafeText("\u202eecilA htimS")).toBe(false);
  });
});

describe("isValidEmail and format characters", () => {
  it("refuses an address with a zero-width or bidi character in it (a look-alike of another)", () => {
    expect(isValidEmail("alice\u200b@example.com")).toBe(false);
    expect(isValidEmail("alice@exa\u202emple.com")).toBe(false);
  });
});
