import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { base62FromBytes, crc32, formatApiKey, parseApiKey, START_LENGTH } from "./api-key-format.js";

const RANDOM = "0123456789abcdefghijABCDEFGHIJ";

describe("API key format", () => {
  it("computes CRC-32 as zlib does", () => {
    for (const s of ["", "a", "ak_0123456789abcdefghijABCDEFGHIJ", "sk_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"]) {
      expect(crc32(s)).toBe(zlibCrc32(s));
    }
  });

  it("formats prefix + 30 base62 + 6 checksum characters, and parses back its kind", () => {
    const user = formatApiKey("user", RANDOM);
    const service = formatApiKey("service", RANDOM);
    expect(user).toMatch(/^ak_[0-9A-Za-z]{36}$/);
    expect(service).toMatch(/^sk_[0-9A-Za-z]{36}$/);
    expect(parseApiKey(user)).toBe("user");
    expect(parseApiKey(service)).toBe("service");
    expect(user.slice(0, START_LENGTH)).toBe("ak_012345");
  });

  it("refuses a broken checksum, a changed character, a wrong prefix, length or alphabet", () => {
    const key = formatApiKey("user", RANDOM);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "a" ? "b" : "a") + s.slice(i + 1);
    expect(parseApiKey(flip(key, key.length - 1))).toBeNull();
    expect(parseApiKey(flip(key, 10))).toBeNull();
    expect(parseApiKey(`xk_${key.slice(3)}`)).toBeNull();
    expect(parseApiKey(`sk_${key.slice(3)}`)).toBeNull(); // the checksum covers the prefix
    expect(parseApiKey(key.slice(0, -1))).toBeNull();
    expect(parseApiKey(`${key}a`)).toBeNull();
    expect(parseApiKey(`${key.slice(0, 20)}-${key.slice(21)}`)).toBeNull();
    expect(parseApiKey("")).toBeNull();
    expect(() => formatApiKey("user", "short")).toThrow(RangeError);
  });

  it("draws 30 base62 characters without bias from random bytes", () => {
    const counts = new Map<string, number>();
    let seed = 1;
    const next = (n: number) =>
      Uint8Array.from({ length: n }, () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed >> 23;
      });
    for (let i = 0; i < 400; i++) for (const c of base62FromBytes(next)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const values = [...counts.values()];
    expect(Math.max(...values) / Math.min(...values)).toBeLessThan(2);
  });
});
