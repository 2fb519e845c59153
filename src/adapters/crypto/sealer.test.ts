import { describe, expect, it } from "vitest";
import { createSealer } from "./sealer.js";
import { SecretBox } from "./secret-box.js";

const SECRET = "JBSWY3DPEHPK3PXP-a-totp-seed";
const AAD = "totp:0190a1b2-0000-7000-8000-000000000001";
const box = new SecretBox("an-encryption-key-of-32-characters-or-more");

/** The message `open` throws with, or fails the test when it returns. */
function openError(open: () => string): string {
  let value: string | undefined;
  try {
    value = open();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return (error as Error).message;
  }
  throw new Error(`open returned ${JSON.stringify(value)} instead of refusing`);
}

describe("createSealer — with CRYPTO__ENCRYPTION_KEY set, an unsealed stored secret is refused", () => {
  it('refuses a "plain:" value instead of returning it, with a clear error that does not carry the secret', () => {
    // Without the key (development) the same stored value is still read: that behaviour stays.
    const stored = createSealer(null).seal(SECRET, AAD);
    expect(stored).toBe(`plain:${SECRET}`);
    expect(createSealer(null).open(stored, AAD)).toBe(SECRET);

    const sealer = createSealer(box);
    const message = openError(() => sealer.open(stored, AAD));
    expect(message).toMatch(/unsealed/);
    expect(message).toMatch(/CRYPTO__ENCRYPTION_KEY/);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain("JBSWY3DP");

    // Its own sealed values still open.
    expect(sealer.open(sealer.seal(SECRET, AAD), AAD)).toBe(SECRET);
  });

  it("refuses an empty unsealed value and one for any context (no edge case gets around the rule)", () => {
    const sealer = createSealer(box);
    expect(openError(() => sealer.open("plain:", AAD))).toMatch(/unsealed/);
    expect(openError(() => sealer.open("plain:c2VjcmV0", "code-hmac-key"))).toMatch(/unsealed/);
  });
});
