import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../test/support/fakes.js";
import { randomToken, recordKey } from "./single-use-records.js";

describe("single-use records", () => {
  it("tokens are 256 random bits in base64url, different each time", () => {
    const deps = { random: seededRandom() };
    const [a, b] = [randomToken(deps), randomToken(deps)];
    expect(a).toMatch(/^[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(randomToken(deps, 16)).toMatch(/^[\w-]{22}$/);
  });

  it("the store key is the kind and the value's SHA-256, never the value", () => {
    expect(recordKey("oauth", "abc")).toBe("oauth:ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    expect(recordKey("login", "abc")).not.toBe(recordKey("reg", "abc"));
    expect(recordKey("oauth", "abc")).not.toContain("abc");
  });
});
