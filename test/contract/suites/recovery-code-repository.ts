// The RecoveryCodeRepository contract, for every adapter of the port. A recovery code works
// once, for its own user only, even when the same code is sent by several requests at once; a
// new set replaces the old one entirely, and inside a UnitOfWork transaction it is replaced
// together with the rest or not at all.
import { v7 as uuidv7 } from "uuid";
import { beforeAll, describe, expect, it } from "vitest";
import type { RecoveryCodeRepository } from "../../../src/application/ports/codes.js";
import type { UnitOfWork } from "../../../src/application/ports/unit-of-work.js";
import type { NewUser } from "../../../src/application/ports/users.js";
import { newUserRecord } from "../../support/users.js";
import { type MakeRepositories, useRepositories } from "./harness.js";

const T0 = new Date("2024-05-01T10:00:00.123Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1_000);

const newUser = (): NewUser => newUserRecord(T0);

/** `n` codes whose hashes carry `label`, so sets are told apart in assertions. */
function codeSet(label: string, n: number): { id: string; codeHash: string }[] {
  return Array.from({ length: n }, (_, i) => ({ id: uuidv7(), codeHash: `hash-${label}-${i}` }));
}

/** The hashes of `codes`, one by one: defined even under noUncheckedIndexedAccess. */
function hashAt(codes: { codeHash: string }[], i: number): string {
  const c = codes[i];
  if (!c) throw new Error(`no code at ${i}`);
  return c.codeHash;
}

export function describeRecoveryCodeRepositoryContract(name: string, makeRepositories: MakeRepositories): void {
  describe(`RecoveryCodeRepository on ${name}`, () => {
    const subject = useRepositories(makeRepositories);
    let uow: UnitOfWork;
    let codes: RecoveryCodeRepository;

    beforeAll(() => {
      uow = subject().uow;
      codes = subject().uow.recoveryCodes;
    });

    async function user(): Promise<string> {
      return (await uow.users.create(newUser())).id;
    }

    /** Unused codes of the user, read straight from the store (the port has no count). */
    const unused = async (userId: string) => (await subject().probe.recoveryCodes(userId)).filter((c) => c.usedAt === null).length;
    /** Every code of the user, used or not. */
    const stored = async (userId: string) => (await subject().probe.recoveryCodes(userId)).length;

    it("a user without codes has none to use", async () => {
      const id = await user();
      expect(await unused(id)).toBe(0);
      expect(await codes.use(id, "hash-anything", at(1))).toBe(false);
    });

    it("replaceAll stores the codes, and a second replaceAll removes every old one", async () => {
      const id = await user();
      const old = codeSet("old", 10);
      await codes.replaceAll(id, old, at(0));
      expect(await unused(id)).toBe(10);
      // One old code is used, so the replacement must remove used codes too.
      expect(await codes.use(id, hashAt(old, 0), at(1))).toBe(true);
      expect(await unused(id)).toBe(9);

      const replacement = codeSet("new", 8);
      await codes.replaceAll(id, replacement, at(2));
      expect(await unused(id)).toBe(8);
      expect(await stored(id)).toBe(8);
      for (let i = 0; i < old.length; i++) expect(await codes.use(id, hashAt(old, i), at(3))).toBe(false);
      expect(await codes.use(id, hashAt(replacement, 0), at(3))).toBe(true);
    });

    it("replaceAll may reuse a hash of the set it replaces", async () => {
      const id = await user();
      await codes.replaceAll(id, [{ id: uuidv7(), codeHash: "hash-same" }], at(0));
      expect(await codes.use(id, "hash-same", at(1))).toBe(true);
      await codes.replaceAll(id, [{ id: uuidv7(), codeHash: "hash-same" }], at(2));
      expect(await unused(id)).toBe(1);
      expect(await codes.use(id, "hash-same", at(3))).toBe(true);
    });

    it("replaceAll with an empty set leaves the user with none", async () => {
      const id = await user();
      await codes.replaceAll(id, codeSet("gone", 3), at(0));
      await codes.replaceAll(id, [], at(1));
      expect(await unused(id)).toBe(0);
    });

    it("replaceAll of one user leaves another user's codes alone", async () => {
      const a = await user();
      const b = await user();
      const bCodes = codeSet("b", 4);
      await codes.replaceAll(b, bCodes, at(0));
      await codes.replaceAll(a, codeSet("a", 2), at(0));
      await codes.replaceAll(a, codeSet("a2", 3), at(1));
      expect(await unused(b)).toBe(4);
      expect(await codes.use(b, hashAt(bCodes, 3), at(2))).toBe(true);
    });

    it("use is true once per code, and each code of the set works once", async () => {
      const id = await user();
      const set = codeSet("once", 3);
      await codes.replaceAll(id, set, at(0));
      for (let i = 0; i < set.length; i++) {
        expect(await codes.use(id, hashAt(set, i), at(1 + i))).toBe(true);
        expect(await codes.use(id, hashAt(set, i), at(10 + i))).toBe(false);
        expect(await unused(id)).toBe(set.length - 1 - i);
      }
      const rows = await subject().probe.recoveryCodes(id);
      expect(rows.map((r) => r.usedAt)).toEqual([at(1), at(2), at(3)]);
    });

    it("10 simultaneous uses of one code: exactly one wins", async () => {
      const id = await user();
      const set = codeSet("race", 2);
      await codes.replaceAll(id, set, at(0));
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => codes.use(id, hashAt(set, 0), at(i + 1))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await unused(id)).toBe(1);
    });

    it("use with another user's code is false and leaves that code unused", async () => {
      const owner = await user();
      const other = await user();
      const set = codeSet("owned", 1);
      await codes.replaceAll(owner, set, at(0));
      await codes.replaceAll(other, codeSet("other", 1), at(0));
      expect(await codes.use(other, hashAt(set, 0), at(1))).toBe(false);
      expect(await unused(owner)).toBe(1);
      expect(await unused(other)).toBe(1);
      expect(await codes.use(owner, hashAt(set, 0), at(2))).toBe(true);
    });

    it("deleteAll removes every code of the user, used or not, and no one else's", async () => {
      const id = await user();
      const bystander = await user();
      const set = codeSet("del", 3);
      await codes.replaceAll(id, set, at(0));
      await codes.replaceAll(bystander, codeSet("keep", 2), at(0));
      await codes.use(id, hashAt(set, 0), at(1));

      await codes.deleteAll(id);
      expect(await unused(id)).toBe(0);
      expect(await stored(id)).toBe(0);
      expect(await codes.use(id, hashAt(set, 1), at(2))).toBe(false);
      expect(await unused(bystander)).toBe(2);
      await codes.deleteAll(id);
    });

    it("inside a transaction that throws, replaceAll is rolled back: the old codes stay", async () => {
      const id = await user();
      const old = codeSet("kept", 3);
      await codes.replaceAll(id, old, at(0));
      const replacement = codeSet("rolled-back", 5);
      const boom = new Error("boom after replacing");

      await expect(
        uow.transaction(async (tx) => {
          await tx.recoveryCodes.replaceAll(id, replacement, at(1));
          // The transaction sees its own replacement (a new code works, an old one does not).
          expect(await tx.recoveryCodes.use(id, hashAt(replacement, 0), at(1))).toBe(true);
          expect(await tx.recoveryCodes.use(id, hashAt(old, 0), at(1))).toBe(false);
          throw boom;
        }),
      ).rejects.toBe(boom);

      expect(await unused(id)).toBe(3);
      expect(await codes.use(id, hashAt(replacement, 0), at(2))).toBe(false);
      expect(await codes.use(id, hashAt(old, 0), at(2))).toBe(true);
    });

    it("inside a transaction that commits, replaceAll takes effect", async () => {
      const id = await user();
      await codes.replaceAll(id, codeSet("before", 3), at(0));
      const replacement = codeSet("committed", 2);
      await uow.transaction((tx) => tx.recoveryCodes.replaceAll(id, replacement, at(1)));
      expect(await unused(id)).toBe(2);
      expect(await codes.use(id, hashAt(replacement, 1), at(2))).toBe(true);
    });
  });
}
