import { describe, expect, it } from "vitest";
import { ClockWindowLimiter, memoryAttemptLimiter } from "./attempt-limiter.js";

const WINDOW = 900;

function setup(startMs: number) {
  let t = startMs;
  const clock = { now: () => new Date(t) };
  const inner = memoryAttemptLimiter({ keyPrefix: `cw${Math.random()}`, points: 10, durationSeconds: 2 * WINDOW });
  return { limiter: new ClockWindowLimiter(inner, clock, 10, WINDOW), advance: (ms: number) => (t += ms) };
}

describe("ClockWindowLimiter (windows on the injected clock)", () => {
  it("locks after `points` attempts even when a window boundary falls between them", async () => {
    // Five attempts just before a boundary, five just after.
    const { limiter, advance } = setup(Math.ceil(Date.now() / (WINDOW * 1000)) * WINDOW * 1000 - 5_000);
    for (let i = 0; i < 5; i++) expect((await limiter.consume("k")).allowed).toBe(true);
    advance(10_000);
    for (let i = 0; i < 5; i++) expect((await limiter.consume("k")).allowed).toBe(true);
    expect((await limiter.peek("k")).allowed).toBe(false);
    expect((await limiter.consume("k")).allowed).toBe(false);
  });

  it("answers the last try with remaining 0, refuses the next, and frees the key two windows on", async () => {
    const { limiter, advance } = setup(Math.floor(Date.now() / (WINDOW * 1000)) * WINDOW * 1000 + 1_000);
    for (let i = 0; i < 9; i++) await limiter.consume("k");
    expect(await limiter.consume("k")).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
    const refused = await limiter.peek("k");
    expect(refused.allowed).toBe(false);
    // The attempts are in the current window: it and the next must pass.
    expect(refused.retryAfterSeconds).toBe(2 * WINDOW - 1);
    advance(WINDOW * 1000);
    expect((await limiter.peek("k")).allowed).toBe(false);
    advance(WINDOW * 1000);
    expect((await limiter.peek("k")).allowed).toBe(true);
  });

  it("of concurrent attempts at the last try exactly one is allowed", async () => {
    const { limiter } = setup(Date.now());
    for (let i = 0; i < 9; i++) await limiter.consume("k");
    const results = await Promise.all(Array.from({ length: 20 }, () => limiter.consume("k")));
    expect(results.filter((r) => r.allowed)).toHaveLength(1);
  });

  it("reset clears both windows", async () => {
    const { limiter, advance } = setup(Date.now());
    for (let i = 0; i < 6; i++) await limiter.consume("k");
    advance(WINDOW * 1000);
    for (let i = 0; i < 4; i++) await limiter.consume("k");
    expect((await limiter.peek("k")).allowed).toBe(false);
    await limiter.reset("k");
    expect(await limiter.peek("k")).toMatchObject({ allowed: true, remaining: 10 });
  });
});
