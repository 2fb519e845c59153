/**
 * CheckQuota fails closed: with Redis (behind a TCP proxy) cut mid-test every call answers
 * UNAVAILABLE and none is allowed; with Redis back it counts again, from where it was,
 * without a restart.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanServiceClient } from "../../src/gen/pb/auth/v1/plan_service.js";
import { apiKeySeam, createServiceKey } from "../support/api-key-server.js";
import { cleanup, targetOf } from "../support/faults.js";
import { registerUser } from "../support/fixtures.js";
import { failure } from "../support/grpc.js";
import { waitUntil } from "../support/net.js";
import { checkQuota, planClient } from "../support/quota.js";
import { redisUrlForTests, uniqueTestId } from "../support/redis.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const redisUrl = await redisUrlForTests();

describe.skipIf(!redisUrl)("CheckQuota with Redis cut and back", () => {
  let proxy: TcpProxy | undefined;
  let server: TestServer | undefined;
  let plans: PlanServiceClient | undefined;
  const seam = apiKeySeam();

  beforeAll(async () => {
    proxy = await startTcpProxy(targetOf(redisUrl!, 6379));
    server = await startTestServer({
      env: { REDIS__URL: proxy.rewriteUrl(redisUrl!), REDIS__KEY_PREFIX: `${uniqueTestId("quota-faults")}:` },
      appOptions: { wrapUnitOfWork: seam.wrap },
    });
    plans = planClient(server.port);
  });

  afterAll(async () => {
    proxy?.up();
    plans?.close();
    await cleanup(
      () => server?.close() ?? Promise.resolve(),
      () => proxy?.close() ?? Promise.resolve(),
    );
  });

  it("Redis down → UNAVAILABLE, never allowed; Redis back → counts again from where it was", async () => {
    const key = (await createServiceKey(seam.uow())).secret;
    const user = (await registerUser(server!.clients)).user!;
    const ask = () => checkQuota(plans!, key, { userId: user.id, serviceCode: "pdf_tools" });
    for (let i = 0; i < 3; i++) await ask();

    proxy!.down();
    const answers = await Promise.allSettled(Array.from({ length: 20 }, ask));
    expect(answers.filter((a) => a.status === "fulfilled")).toHaveLength(0);
    for (let i = 0; i < 5; i++) {
      const e = await failure(ask());
      expect(e).toMatchObject({ code: status.UNAVAILABLE, reason: "SERVICE_UNAVAILABLE" });
    }

    proxy!.up();
    let out: Awaited<ReturnType<typeof ask>> | undefined;
    await waitUntil(
      async () => {
        out = await ask().catch(() => undefined);
        return out !== undefined;
      },
      10_000,
      100,
      "CheckQuota works again",
    );
    // 3 before, nothing during the outage, and this one: 4 used.
    expect(out).toMatchObject({ allowed: true, remaining: 46 });
  });
});
