import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DomainError } from "../../../domain/errors.js";
import { createLogger } from "../../logging/logger.js";
import type { CallContext } from "../call-context.js";
import { mapError } from "../status.js";
import { MappedFailure } from "./errors.js";
import { type AccessLogOptions, loggingInterceptor } from "./logging.js";

const VALIDATE = "/auth.v1.AuthService/ValidateToken";
const LOGIN = "/auth.v1.AuthService/Login";

function setup(options: Partial<AccessLogOptions> = {}, random = () => 0.5) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    "info",
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString("utf8").split("\n")) if (l) lines.push(JSON.parse(l));
        done();
      },
    }),
  );
  const interceptor = loggingInterceptor(logger, { sampleRate: 0, slowMs: 1000, summarySeconds: 10, ...options }, random);
  const call = (method: string, next: () => Promise<unknown> = async () => ({})) => {
    const ctx = { method, request: { requestId: "r1", ipAddress: "127.0.0.1", userAgent: "" }, principal: null, log: logger.child({ requestId: "r1" }) };
    return interceptor(ctx as unknown as CallContext, next);
  };
  return { lines, call, rpc: () => lines.filter((l) => l.msg === "rpc") };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the access log", () => {
  it("logs every failed call of a sampled method, with its code and reason", async () => {
    const { call, rpc } = setup();
    const invalid = new MappedFailure(mapError(new DomainError("TOKEN_INVALID", "invalid token"), "r1"));
    for (let i = 0; i < 3; i++) await expect(call(VALIDATE, () => Promise.reject(invalid))).rejects.toBe(invalid);
    await expect(call(VALIDATE, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(rpc()).toHaveLength(4);
    expect(rpc()[0]).toMatchObject({ method: VALIDATE, code: "UNAUTHENTICATED", reason: "TOKEN_INVALID", requestId: "r1" });
    expect(rpc()[3]).toMatchObject({ method: VALIDATE, code: "UNKNOWN", level: "error" });
  });

  it("logs every successful call of the other methods (authentication decisions)", async () => {
    const { call, rpc } = setup();
    await call(LOGIN);
    await call(LOGIN);
    expect(rpc()).toEqual([expect.objectContaining({ method: LOGIN, code: "OK" }), expect.objectContaining({ method: LOGIN, code: "OK" })]);
  });

  it("logs a slow successful call of a sampled method", async () => {
    const { call, rpc } = setup({ slowMs: 20 });
    await call(VALIDATE, () => new Promise((r) => setTimeout(r, 40)));
    expect(rpc()).toEqual([expect.objectContaining({ method: VALIDATE, code: "OK" })]);
    expect((rpc()[0] as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(20);
  });

  it("samples the fast successful calls of a sampled method at the configured rate", async () => {
    const draws = [0.001, 0.5, 0.009, 0.7];
    const { call, rpc } = setup({ sampleRate: 0.01 }, () => draws.shift() ?? 1);
    for (let i = 0; i < 4; i++) await call(VALIDATE);
    expect(rpc()).toHaveLength(2);
    const all = setup({ sampleRate: 1 });
    for (let i = 0; i < 3; i++) await all.call(VALIDATE);
    expect(all.rpc()).toHaveLength(3);
  });

  it("counts the calls it did not log in one summary line per interval", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const { call, lines } = setup({ summarySeconds: 10 });
    for (let i = 0; i < 5; i++) await call(VALIDATE);
    await call("/auth.v1.PlanService/CheckQuota");
    expect(lines).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: "rpc summary", calls: { [VALIDATE]: { ok: 5 }, "/auth.v1.PlanService/CheckQuota": { ok: 1 } } });
    // Nothing pending: no empty summary lines.
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(1);
    await call(VALIDATE);
    vi.advanceTimersByTime(10_000);
    expect(lines[1]).toMatchObject({ msg: "rpc summary", calls: { [VALIDATE]: { ok: 1 } } });
  });

  it("with no summary interval, writes nothing for the unlogged calls", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const { call, lines } = setup({ summarySeconds: 0 });
    await call(VALIDATE);
    vi.advanceTimersByTime(3_600_000);
    expect(lines).toEqual([]);
  });
});
