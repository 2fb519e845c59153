// Two race-safe conditional writes. UserRepository.advanceTotpStep (suites/totp-step.ts) runs
// on every adapter: Prisma on PGlite, on PostgreSQL when one is reachable, and the in-memory
// unit of work. PrismaAppSecretRepository.getOrCreate, which lets instances starting together
// agree on one server secret, is not a port of the application and has only the Prisma
// adapter, so it runs on each database.
import { v7 as uuidv7 } from "uuid";
import { beforeAll, expect, it } from "vitest";
import { PrismaAppSecretRepository } from "../../src/adapters/prisma/app-secret-repository.js";
import { describeOnEachDatabase, repositoryAdapters } from "./adapters.js";
import { describeTotpStepContract } from "./suites/totp-step.js";

const T0 = new Date("2024-05-01T10:00:00.123Z");

for (const { name, make } of repositoryAdapters) describeTotpStepContract(name, make);

describeOnEachDatabase("PrismaAppSecretRepository.getOrCreate", (db) => {
  let secrets: PrismaAppSecretRepository;

  beforeAll(() => {
    secrets = new PrismaAppSecretRepository(db().db.prisma);
  });

  it("two simultaneous calls on a new name both return the one stored value", async () => {
    const name = `secret-${uuidv7()}`;
    const [a, b] = await Promise.all([secrets.getOrCreate(name, () => "value-a", T0), secrets.getOrCreate(name, () => "value-b", T0)]);
    expect(["value-a", "value-b"]).toContain(a);
    expect(b).toBe(a);
    const row = await db().db.prisma.appSecret.findUniqueOrThrow({ where: { name } });
    expect(row.value).toBe(a);
    expect(row.createdAt).toEqual(T0);
  });

  it("10 simultaneous calls on a new name all return the one stored value", async () => {
    const name = `secret-${uuidv7()}`;
    const values = await Promise.all(Array.from({ length: 10 }, (_, i) => secrets.getOrCreate(name, () => `value-${i}`, T0)));
    expect(new Set(values).size).toBe(1);
    expect(await db().db.prisma.appSecret.count({ where: { name } })).toBe(1);
  });

  it("an existing secret is returned as stored, whatever make would produce now", async () => {
    const name = `secret-${uuidv7()}`;
    expect(await secrets.getOrCreate(name, () => "first", T0)).toBe("first");
    expect(await secrets.getOrCreate(name, () => "second", new Date(T0.getTime() + 1_000))).toBe("first");
    expect(await secrets.getOrCreate(`other-${name}`, () => "own", T0)).toBe("own");
  });
});
