/**
 * The compared paths. Each scenario prepares what it needs on the running service (users,
 * tokens, keys) and captures one real response, which the baseline server then answers with;
 * `run` compares the service and its baseline (or REST and gRPC) in alternating rounds.
 */
import http from "node:http";
import { openDatabase } from "../src/adapters/prisma/client.js";
import { PrismaUnitOfWork } from "../src/adapters/prisma/unit-of-work.js";
import { ValidateApiKeyResponse } from "../src/gen/pb/auth/v1/api_key_service.js";
import { LoginResponse, RefreshTokenResponse, ValidateTokenResponse } from "../src/gen/pb/auth/v1/auth_service.js";
import { CheckQuotaResponse } from "../src/gen/pb/auth/v1/plan_service.js";
import { apiKeyClient, createServiceKey } from "../test/support/api-key-server.js";
import { PASSWORD, registerUser } from "../test/support/fixtures.js";
import { type Clients, call, connect } from "../test/support/grpc.js";
import { checkQuota, planClient } from "../test/support/quota.js";
import type { BaselineConfig } from "./baseline-server.js";
import { type CompareOptions, type Comparison, compare, type Op } from "./measure.js";

export type ScenarioName = "validate" | "login" | "refresh" | "rest" | "apikey" | "quota";
export const SCENARIOS: ScenarioName[] = ["validate", "login", "refresh", "rest", "apikey", "quota"];

/** The targets (docs/performance.md); null where none is stated yet. */
export const TARGETS: Record<ScenarioName, number | null> = {
  validate: 0.9,
  login: 0.9,
  refresh: 0.25,
  rest: 0.6,
  apikey: null,
  quota: null,
};

export interface ServiceSide {
  grpcPort: number;
  httpPort: number;
  databaseUrl: string;
}

/** What a prepared scenario hands the runner: its baseline response, and the comparison itself. */
export interface Prepared {
  responses: BaselineConfig["responses"];
  run(baselinePort: number, options: CompareOptions): Promise<Comparison>;
  close(): void;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** Service credentials for ValidateApiKey (scope validate) and ChangePlan (admin), written as the operators' CLI would. */
async function serviceKeys(databaseUrl: string): Promise<{ validate: string; admin: string }> {
  const db = await openDatabase({ url: databaseUrl, dataDir: "memory://", poolSize: 2 });
  try {
    const uow = new PrismaUnitOfWork(db.prisma, { transactionTimeoutMs: 10_000 });
    return { validate: (await createServiceKey(uow, ["validate"])).secret, admin: (await createServiceKey(uow, ["admin"])).secret };
  } finally {
    await db.close();
  }
}

const keysByDatabase = new Map<string, Promise<{ validate: string; admin: string }>>();
function keysFor(databaseUrl: string): Promise<{ validate: string; admin: string }> {
  let keys = keysByDatabase.get(databaseUrl);
  if (!keys) {
    keys = serviceKeys(databaseUrl);
    keysByDatabase.set(databaseUrl, keys);
  }
  return keys;
}

/** `count` refresh tokens, each the head of its own session's chain (one Register and count-1 Logins). */
async function refreshChains(c: Clients, count: number): Promise<string[]> {
  const reg = await registerUser(c);
  const chains = [reg.tokens!.refreshToken];
  const logins = await Promise.all(
    Array.from({ length: count - 1 }, () => call(c.auth, c.auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "bench" })),
  );
  for (const l of logins) chains.push(l.tokens!.refreshToken);
  return chains;
}

/** A pool the workers take a token from and give it back to: no two calls rotate one chain at once. */
function chainOp(chains: string[], rotate: (token: string) => Promise<string>): Op {
  return async () => {
    const token = chains.pop();
    if (token === undefined) throw new Error("no free refresh chain (more in flight than chains)");
    let next = token;
    try {
      next = await rotate(token);
    } finally {
      chains.push(next);
    }
  };
}

export async function prepare(name: ScenarioName, side: ServiceSide, concurrency: number): Promise<Prepared> {
  const c = connect(side.grpcPort);
  const closers: (() => void)[] = [() => c.close()];
  const close = () => {
    for (const f of closers) f();
  };
  try {
    return await prepareWith(name, side, c, concurrency, closers, close);
  } catch (error) {
    close();
    throw error;
  }
}

async function prepareWith(
  name: ScenarioName,
  side: ServiceSide,
  c: Clients,
  concurrency: number,
  closers: (() => void)[],
  close: () => void,
): Promise<Prepared> {
  const target = TARGETS[name];
  const baselineClients = (port: number) => {
    const b = connect(port);
    closers.push(() => b.close());
    return b;
  };
  switch (name) {
    case "validate": {
      const token = (await registerUser(c)).tokens!.accessToken;
      const response = await call(c.auth, c.auth.validateToken, { accessToken: token });
      return {
        responses: { validateToken: b64(ValidateTokenResponse.encode(response).finish()) },
        close,
        run: (port, options) => {
          const b = baselineClients(port);
          return compare(
            "ValidateToken / zero-work",
            { label: "service", op: () => call(c.auth, c.auth.validateToken, { accessToken: token }) },
            { label: "zero-work", op: () => call(b.auth, b.auth.validateToken, { accessToken: token }) },
            target,
            options,
          );
        },
      };
    }
    case "login": {
      const reg = await registerUser(c);
      const request = { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "bench" };
      const response = await call(c.auth, c.auth.login, request);
      return {
        responses: { login: b64(LoginResponse.encode(response).finish()) },
        close,
        run: (port, options) => {
          const b = baselineClients(port);
          return compare(
            "Login / one argon2id verify",
            { label: "service", op: () => call(c.auth, c.auth.login, request) },
            { label: "argon2id-verify", op: () => call(b.auth, b.auth.login, request) },
            target,
            options,
          );
        },
      };
    }
    case "refresh": {
      const chains = await refreshChains(c, concurrency);
      const first = chains.pop()!;
      const response = await call(c.auth, c.auth.refreshToken, { refreshToken: first });
      chains.push(response.tokens!.refreshToken);
      return {
        responses: { refreshToken: b64(RefreshTokenResponse.encode(response).finish()) },
        close,
        run: (port, options) => {
          const b = baselineClients(port);
          // The baseline's pool holds tokens of the same size; its answer is always the captured pair.
          const baselineChains = chains.map((t) => t);
          const rotate = (client: Clients) => async (token: string) =>
            (await call(client.auth, client.auth.refreshToken, { refreshToken: token })).tokens!.refreshToken;
          return compare(
            "RefreshToken / zero-work",
            { label: "service", op: chainOp(chains, rotate(c)) },
            { label: "zero-work", op: chainOp(baselineChains, rotate(b)) },
            target,
            options,
          );
        },
      };
    }
    case "rest": {
      const token = (await registerUser(c)).tokens!.accessToken;
      await call(c.auth, c.auth.validateToken, { accessToken: token });
      const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      closers.push(() => agent.destroy());
      const body = JSON.stringify({ accessToken: token });
      const restValidate = () => postJson(agent, side.httpPort, "/v1/auth/validate", body);
      await restValidate();
      return {
        responses: {},
        close,
        run: (_port, options) =>
          compare(
            "REST POST /v1/auth/validate / gRPC ValidateToken",
            { label: "REST", op: restValidate },
            { label: "gRPC", op: () => call(c.auth, c.auth.validateToken, { accessToken: token }) },
            target,
            options,
          ),
      };
    }
    case "apikey": {
      const { validate: serviceKey } = await keysFor(side.databaseUrl);
      const bearer = (await registerUser(c)).tokens!.accessToken;
      const k = apiKeyClient(side.grpcPort);
      closers.push(() => k.close());
      const { secret } = await call(k, k.createApiKey, { name: "bench", scopes: ["read"], expireTime: undefined }, { bearer });
      const asService = { metadata: { "x-api-key": serviceKey } };
      const response = await call(k, k.validateApiKey, { key: secret }, asService);
      return {
        responses: { validateApiKey: b64(ValidateApiKeyResponse.encode(response).finish()) },
        close,
        run: (port, options) => {
          const bk = apiKeyClient(port);
          closers.push(() => bk.close());
          return compare(
            "ValidateApiKey / zero-work",
            { label: "service", op: () => call(k, k.validateApiKey, { key: secret }, asService) },
            { label: "zero-work", op: () => call(bk, bk.validateApiKey, { key: secret }, asService) },
            target,
            options,
          );
        },
      };
    }
    case "quota": {
      const { validate: serviceKey, admin } = await keysFor(side.databaseUrl);
      const reg = await registerUser(c);
      const plans = planClient(side.grpcPort);
      closers.push(() => plans.close());
      // Enterprise: unlimited but counted, so every call goes through the store and none is refused.
      await call(plans, plans.changePlan, { userId: reg.user!.id, planCode: "enterprise" }, { metadata: { "x-api-key": admin } });
      const request = { userId: reg.user!.id, serviceCode: "cvmaker" };
      const response = await checkQuota(plans, serviceKey, request);
      return {
        responses: { checkQuota: b64(CheckQuotaResponse.encode(response).finish()) },
        close,
        run: (port, options) => {
          const bp = planClient(port);
          closers.push(() => bp.close());
          return compare(
            "CheckQuota / zero-work",
            { label: "service", op: () => checkQuota(plans, serviceKey, request) },
            { label: "zero-work", op: () => checkQuota(bp, serviceKey, request) },
            target,
            options,
          );
        },
      };
    }
  }
}

/** POST a JSON body over a keep-alive agent; resolves on 200 with the body read, rejects otherwise. */
export function postJson(agent: http.Agent, port: number, path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`))));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
