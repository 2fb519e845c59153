import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../test/support/fakes.js";
import type { Session } from "../../domain/session.js";
import type { RevocationBus } from "../ports/coordination.js";
import { SessionRevoker } from "./session-revoker.js";
import { SessionStatusCache } from "./session-status.js";

const live = (id: string): Session => ({
  id,
  userId: "u1",
  deviceName: "",
  userAgent: "",
  ipAddress: "",
  authMethod: "password",
  createdAt: new Date(0),
  lastUsedAt: new Date(0),
  authenticatedAt: new Date(0),
  expiresAt: new Date("2100-01-01T00:00:00Z"),
  revokedAt: null,
  revokedReason: null,
});

function setup(publish: RevocationBus["publish"]) {
  const bus: RevocationBus = {
    publish,
    subscribe: async () => async () => {},
    isHealthy: () => true,
    close: async () => {},
  };
  // The database still says live: only the revoker's mark can make the cache answer false.
  const status = new SessionStatusCache({ statusOf: async (id) => live(id) }, bus, new ManualClock(), { ttlMs: 60_000, maxEntries: 100 });
  const reported: [unknown, readonly string[]][] = [];
  const revoker = new SessionRevoker(status, bus, (error, ids) => reported.push([error, ids]));
  return { status, revoker, reported };
}

describe("SessionRevoker", () => {
  it("marks the local cache revoked before publishing, then publishes every id", async () => {
    const published: string[][] = [];
    let liveWhilePublishing: boolean | undefined;
    const { status, revoker } = setup(async (ids) => {
      liveWhilePublishing = await status.isLive("s1");
      published.push(ids);
    });
    expect(await status.isLive("s1")).toBe(true);
    await revoker.announce(["s1", "s2"]);
    expect(liveWhilePublishing).toBe(false);
    expect(published).toEqual([["s1", "s2"]]);
    expect(await status.isLive("s2")).toBe(false);
  });

  it("does nothing for no ids (no empty bus message)", async () => {
    const published: string[][] = [];
    const { revoker } = setup(async (ids) => {
      published.push(ids);
    });
    await revoker.announce([]);
    expect(published).toEqual([]);
  });

  it("reports a failed publish instead of throwing; this instance still refuses the sessions", async () => {
    const failure = new Error("redis down");
    const { status, revoker, reported } = setup(async () => {
      throw failure;
    });
    await revoker.announce(["s1"]);
    expect(reported).toEqual([[failure, ["s1"]]]);
    expect(await status.isLive("s1")).toBe(false);
  });
});
