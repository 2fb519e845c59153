import { describe, expect, it } from "vitest";
import { countingLimiter } from "../../../test/support/fakes.js";
import { countIpAttempt } from "./limits.js";

const ctx = (ipAddress: string) => ({ requestId: "r", ipAddress, userAgent: "" });

describe("countIpAttempt", () => {
  it("counts every address of one IPv6 /64 in one bucket", async () => {
    const limiter = countingLimiter(2);
    await countIpAttempt(limiter, ctx("2001:db8:1:2::1"));
    await countIpAttempt(limiter, ctx("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    const e = await countIpAttempt(limiter, ctx("2001:db8:1:2:abcd::9")).catch((error: unknown) => error);
    expect(e).toMatchObject({ reason: "RATE_LIMITED", retryAfterSeconds: 30 });
    // The neighbouring /64 has its own.
    await countIpAttempt(limiter, ctx("2001:db8:1:3::1"));
    expect(new Set(limiter.keys).size).toBe(2);
  });

  it("keys IPv4 by address and an unknown address as 'unknown'", async () => {
    const limiter = countingLimiter(10);
    await countIpAttempt(limiter, ctx("203.0.113.7"));
    await countIpAttempt(limiter, ctx(""));
    expect(limiter.keys).toEqual(["ip:203.0.113.7", "ip:unknown"]);
  });
});
