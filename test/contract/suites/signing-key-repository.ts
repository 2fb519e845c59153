// The SigningKeyRepository contract, for every adapter of the port. The cases build on one
// another (one store per adapter): it starts empty, keys are inserted, then one is retired.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SigningKeyRepository, StoredSigningKey } from "../../../src/application/ports/signing-keys.js";

/** Opens a fresh, empty store of signing keys. */
export type MakeSigningKeyRepository = () => Promise<{ keys: SigningKeyRepository; close(): Promise<void> }>;

const T0 = new Date("2024-05-01T10:00:00.000Z");
const at = (hours: number) => new Date(T0.getTime() + hours * 3_600_000);

function key(kid: string, activatesAt: Date): StoredSigningKey {
  return {
    kid,
    algorithm: "ES256",
    publicJwk: { kty: "EC", crv: "P-256", kid, use: "sig", alg: "ES256", x: `x-${kid}`, y: `y-${kid}` },
    privateKey: `enc:v1:${kid}:opaque-ciphertext`,
    createdAt: activatesAt,
    activatesAt,
    retiresAt: null,
    expiresAt: null,
  };
}

export function describeSigningKeyRepositoryContract(name: string, makeRepository: MakeSigningKeyRepository): void {
  describe(`SigningKeyRepository on ${name}`, () => {
    let opened: Awaited<ReturnType<MakeSigningKeyRepository>> | undefined;
    let keys: SigningKeyRepository;

    beforeAll(async () => {
      opened = await makeRepository();
      keys = opened.keys;
    });

    afterAll(async () => {
      await opened?.close();
    });

    it("starts empty", async () => {
      expect(await keys.list()).toEqual([]);
    });

    it("inserts keys and lists them in activation order, every field round-tripped", async () => {
      const second = key("k2", at(2));
      const first = key("k1", at(1));
      await keys.insert(second);
      await keys.insert(first);
      expect(await keys.list()).toEqual([first, second]);
    });

    it("retires a key: it keeps verifying until expiresAt, and the others are untouched", async () => {
      await keys.retire("k1", at(3), at(4));
      const listed = await keys.list();
      expect(listed.find((k) => k.kid === "k1")).toMatchObject({ retiresAt: at(3), expiresAt: at(4) });
      expect(listed.find((k) => k.kid === "k2")).toMatchObject({ retiresAt: null, expiresAt: null });
    });

    it("refuses to retire a key it does not have", async () => {
      await expect(keys.retire("missing", at(3), at(4))).rejects.toThrow(/missing/);
    });

    it("refuses a second key with the same kid", async () => {
      await expect(keys.insert(key("k2", at(5)))).rejects.toThrow();
    });
  });
}
