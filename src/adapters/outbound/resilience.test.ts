import { describe, expect, it } from "vitest";
import type { Repositories, UnitOfWork } from "../../application/ports/unit-of-work.js";
import { DependencyUnavailableError } from "../../domain/errors.js";
import { REPOSITORY_KEYS } from "./repositories.js";
import { dependencyPolicy, guarded, guardedUnitOfWork } from "./resilience.js";

const policy = () => dependencyPolicy({ timeoutMs: 1000, consecutiveFailures: 2, halfOpenAfterMs: 60_000 });

class Counter {
  calls = 0;
  async bump(by: number): Promise<number> {
    this.calls += by; // `this` must still be the target, not the proxy's wrapper
    return this.calls;
  }
}

describe("guarded", () => {
  it("hands out one wrapper per method, not a new closure per access", () => {
    const g = guarded(new Counter(), policy());
    expect(g.bump).toBe(g.bump);
  });

  it("calls the target's method with the target as `this`, through the policy", async () => {
    const target = new Counter();
    const g = guarded(target, policy());
    expect(await g.bump(2)).toBe(2);
    expect(target.calls).toBe(2);
    expect(g.calls).toBe(2); // plain properties pass through
  });

  it("wraps a method replaced on the target anew, never calling the old one", async () => {
    const target = new Counter();
    const g = guarded(target, policy());
    const before = g.bump;
    target.bump = async () => -1;
    expect(g.bump).not.toBe(before);
    expect(await g.bump(1)).toBe(-1);
  });

  it("counts failures toward the breaker, which then refuses at once", async () => {
    const p = policy();
    const failing = guarded({ fail: async () => Promise.reject(new Error("down")) }, p);
    const broken = guarded({ fail: async () => Promise.reject(new DependencyUnavailableError("database")) }, p);
    await expect(failing.fail()).rejects.toThrow("down"); // an answer, not an outage: not counted
    expect(p.refusing()).toBe(false);
    await expect(broken.fail()).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(broken.fail()).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(p.refusing()).toBe(true);
  });
});

describe("guardedUnitOfWork", () => {
  it("guards every repository of the port and only those, keeping transaction and ensureAvailable", async () => {
    const repos = Object.fromEntries(REPOSITORY_KEYS.map((k) => [k, { ping: async () => k }])) as unknown as Repositories;
    const uow: UnitOfWork = { ...repos, transaction: (fn) => fn(repos), ensureAvailable: () => {} };
    const g = guardedUnitOfWork(uow, policy());
    expect(Object.keys(g).sort()).toEqual([...REPOSITORY_KEYS, "ensureAvailable", "transaction"].sort());
    for (const key of REPOSITORY_KEYS) {
      const repo = g[key] as unknown as { ping(): Promise<string> };
      expect(repo).not.toBe(uow[key]);
      expect(await repo.ping()).toBe(key);
    }
    expect(await g.transaction(async (tx) => tx === repos)).toBe(true);
  });
});
