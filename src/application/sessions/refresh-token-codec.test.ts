import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cryptoRandom } from "../../adapters/crypto/system.js";
import type { Random } from "../ports/time.js";
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken, openSuccessor, sealSuccessor } from "./refresh-token-codec.js";

/** Deterministic bytes: a counter, so two calls never repeat. Records the lengths asked for. */
function countingRandom(): Random & { asked: number[] } {
  let next = 0;
  const asked: number[] = [];
  return {
    asked,
    bytes(length: number) {
      asked.push(length);
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = next++ & 0xff;
      return out;
    },
  };
}

const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;

describe("newRefreshToken (security.md 15)", () => {
  it("asks for 32 random bytes (256 bits) and encodes exactly those", () => {
    const random = countingRandom();
    const token = newRefreshToken(random);
    expect(random.asked).toEqual([32]);
    const decoded = Buffer.from(token, "base64url");
    expect(decoded).toHaveLength(32);
    expect([...decoded]).toEqual(Array.from({ length: 32 }, (_, i) => i));
  });

  it("10,000 tokens are unique, 43 base64url characters, and decode to 32 bytes (≥128 bits)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const token = newRefreshToken(cryptoRandom);
      expect(token).toMatch(BASE64URL_43);
      seen.add(token);
    }
    expect(seen.size).toBe(10_000);
    for (const token of [...seen].slice(0, 100)) {
      const bytes = Buffer.from(token, "base64url");
      expect(bytes.length * 8).toBeGreaterThanOrEqual(128);
      expect(bytes).toHaveLength(32);
      // Round trip: no padding, no lost bits.
      expect(bytes.toString("base64url")).toBe(token);
    }
  });

  it("carries randomness in every byte position (not a fixed prefix/suffix)", () => {
    const tokens = Array.from({ length: 64 }, () => Buffer.from(newRefreshToken(cryptoRandom), "base64url"));
    for (let position = 0; position < 32; position++) {
      const values = new Set(tokens.map((t) => t[position]));
      // 64 draws of a uniform byte: fewer than 20 distinct values is vanishingly unlikely.
      expect(values.size, `byte ${position}`).toBeGreaterThan(20);
    }
  });
});

describe("hashRefreshToken", () => {
  it("is the SHA-256 hex digest of the token", () => {
    const token = newRefreshToken(cryptoRandom);
    const hash = hashRefreshToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(createHash("sha256").update(token, "utf8").digest("hex"));
  });

  it("matches a known SHA-256 vector", () => {
    expect(hashRefreshToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("differs from the token and does not contain it", () => {
    const token = newRefreshToken(cryptoRandom);
    const hash = hashRefreshToken(token);
    expect(hash).not.toBe(token);
    expect(hash).not.toContain(token);
    expect(hash).not.toContain(Buffer.from(token, "base64url").toString("hex"));
  });

  it("is deterministic and distinguishes tokens", () => {
    const a = newRefreshToken(cryptoRandom);
    const b = newRefreshToken(cryptoRandom);
    expect(hashRefreshToken(a)).toBe(hashRefreshToken(a));
    expect(hashRefreshToken(a)).not.toBe(hashRefreshToken(b));
  });
});

describe("looksLikeRefreshToken", () => {
  it("accepts a freshly minted token", () => {
    expect(looksLikeRefreshToken(newRefreshToken(cryptoRandom))).toBe(true);
    expect(looksLikeRefreshToken("A".repeat(43))).toBe(true);
    expect(looksLikeRefreshToken(`${"a-_9".repeat(10)}xyz`)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["42 characters", "A".repeat(42)],
    ["44 characters", "A".repeat(44)],
    ["standard base64 '+'", `${"A".repeat(42)}+`],
    ["standard base64 '/'", `${"A".repeat(42)}/`],
    ["padding", `${"A".repeat(42)}=`],
    ["a space", `${"A".repeat(21)} ${"A".repeat(21)}`],
    ["a trailing newline", `${"A".repeat(43)}\n`],
    ["a JWT", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"],
  ])("refuses %s", (_label, raw) => {
    expect(looksLikeRefreshToken(raw)).toBe(false);
  });
});

describe("sealSuccessor / openSuccessor", () => {
  const parent = newRefreshToken(cryptoRandom);
  const successor = newRefreshToken(cryptoRandom);

  it("round-trips the successor under the parent", () => {
    const sealed = sealSuccessor(parent, successor, cryptoRandom);
    expect(openSuccessor(parent, sealed)).toBe(successor);
  });

  it("is a 12-byte IV + ciphertext + 16-byte tag, and does not contain the successor in clear", () => {
    const random = countingRandom();
    const sealed = sealSuccessor(parent, successor, random);
    expect(random.asked).toEqual([12]);
    expect(sealed).toBeInstanceOf(Uint8Array);
    expect(sealed.length).toBe(12 + successor.length + 16);
    expect([...sealed.subarray(0, 12)]).toEqual(Array.from({ length: 12 }, (_, i) => i));
    const text = Buffer.from(sealed).toString("latin1");
    expect(text).not.toContain(successor);
    expect(text).not.toContain(successor.slice(0, 8));
  });

  it("uses a fresh IV each time, so two seals of one successor differ", () => {
    const a = sealSuccessor(parent, successor, cryptoRandom);
    const b = sealSuccessor(parent, successor, cryptoRandom);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(openSuccessor(parent, a)).toBe(successor);
    expect(openSuccessor(parent, b)).toBe(successor);
  });

  it("opens to null under a different parent", () => {
    const sealed = sealSuccessor(parent, successor, cryptoRandom);
    expect(openSuccessor(newRefreshToken(cryptoRandom), sealed)).toBeNull();
    // Even a parent one character off.
    const last = parent.endsWith("A") ? "B" : "A";
    expect(openSuccessor(parent.slice(0, -1) + last, sealed)).toBeNull();
  });

  it("opens to null when the hash of the parent is presented instead of the parent", () => {
    const sealed = sealSuccessor(parent, successor, cryptoRandom);
    expect(openSuccessor(hashRefreshToken(parent), sealed)).toBeNull();
  });

  it("opens to null when any single byte is tampered with (IV, body or tag)", () => {
    const sealed = sealSuccessor(parent, successor, cryptoRandom);
    for (const index of [0, 11, 12, 12 + 20, sealed.length - 17, sealed.length - 16, sealed.length - 1]) {
      const tampered = new Uint8Array(sealed);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      expect(openSuccessor(parent, tampered), `byte ${index}`).toBeNull();
    }
    // The original still opens: the copies above did not alias it.
    expect(openSuccessor(parent, sealed)).toBe(successor);
  });

  it("opens to null for a truncated or extended buffer", () => {
    const sealed = sealSuccessor(parent, successor, cryptoRandom);
    expect(openSuccessor(parent, sealed.subarray(0, sealed.length - 1))).toBeNull();
    expect(openSuccessor(parent, new Uint8Array([...sealed, 0]))).toBeNull();
  });

  it("opens to null (no throw) for buffers too short to hold an IV and a tag", () => {
    for (const length of [0, 1, 12, 27]) {
      expect(() => openSuccessor(parent, new Uint8Array(length))).not.toThrow();
      expect(openSuccessor(parent, new Uint8Array(length)), `length ${length}`).toBeNull();
    }
  });

  it("opens to null (no throw) for 28 bytes of garbage (IV + tag, empty body)", () => {
    expect(openSuccessor(parent, new Uint8Array(28))).toBeNull();
  });
});
