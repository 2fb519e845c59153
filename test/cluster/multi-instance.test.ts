/**
 * Two service processes sharing one PostgreSQL and one Redis: tokens from one verify on the
 * other (shared signing keys), and a revocation on one is seen by the other within a second.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyPostgresDatabase, databaseKinds } from "../support/database.js";
import { PASSWORD, registerUser } from "../support/fixtures.js";
import { type Clients, call, connect, failure } from "../support/grpc.js";
import { type ServiceProcess, spawnService } from "../support/process.js";
import { redisUrlForTests } from "../support/redis.js";

const redisUrl = await redisUrlForTests();
const hasPostgres = (await databaseKinds()).includes("postgres");

describe.skipIf(!redisUrl || !hasPostgres)("two instances on PostgreSQL + Redis", () => {
  let db: { url: string; drop(): Promise<void> };
  let a: ServiceProcess;
  let b: ServiceProcess;
  let ca: Clients;
  let cb: Clients;

  beforeAll(async () => {
    db = await createEmptyPostgresDatabase();
    const env = {
      DATABASE__URL: db.url,
      REDIS__URL: redisUrl!,
      REDIS__KEY_PREFIX: `mi${Date.now()}:`,
      AUTH__IP_ATTEMPTS_PER_MINUTE: "100000",
      LOG__LEVEL: "info",
    };
    // Started together on purpose: both race to migrate and to create the first signing key.
    [a, b] = await Promise.all([spawnService(env), spawnService(env)]);
    ca = connect(a.port);
    cb = connect(b.port);
  }, 90_000);

  afterAll(async () => {
    ca?.close();
    cb?.close();
    const codes = await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    expect(codes).toEqual([0, 0]);
  });

  it("verifies on B the tokens A issued, both ways", async () => {
    const regA = await registerUser(ca);
    const regB = await registerUser(cb);
    expect((await call(cb.auth, cb.auth.validateToken, { accessToken: regA.tokens!.accessToken })).userId).toBe(regA.user!.id);
    expect((await call(ca.auth, ca.auth.validateToken, { accessToken: regB.tokens!.accessToken })).userId).toBe(regB.user!.id);
    // A refresh token from A rotates on B.
    await call(cb.auth, cb.auth.refreshToken, { refreshToken: regA.tokens!.refreshToken });
  });

  it("sees on B, within one second, a session revoked on A", async () => {
    const reg = await registerUser(ca);
    const login = await call(ca.auth, ca.auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "" });
    const token = login.tokens!.accessToken;
    await call(cb.auth, cb.auth.validateToken, { accessToken: token }); // B has it cached as live
    await call(ca.auth, ca.auth.logout, { refreshToken: "" }, { bearer: token });
    const revokedAt = performance.now();
    let elapsed = Infinity;
    while (performance.now() - revokedAt < 3000) {
      try {
        await call(cb.auth, cb.auth.validateToken, { accessToken: token });
      } catch (error) {
        expect((await failure(Promise.reject(error))).reason).toBe("SESSION_REVOKED");
        elapsed = performance.now() - revokedAt;
        break;
      }
    }
    expect(elapsed).toBeLessThan(1000);
  });

  it("shares the failed-login counter: 10 failures spread over A and B lock the account", async () => {
    const reg = await registerUser(ca);
    for (let i = 0; i < 10; i++) {
      const c = i % 2 === 0 ? ca : cb;
      await failure(call(c.auth, c.auth.login, { identifier: reg.username, password: `wrong password ${i}`, otpCode: "", deviceName: "" }));
    }
    const e = await failure(call(cb.auth, cb.auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "" }));
    expect(e.reason).toBe("ACCOUNT_LOCKED");
  });
});
