import { describe, expect, it } from "vitest";
import { ManualClock, recordingTouch } from "../../../test/support/fakes.js";
import { ApiKeyUsage } from "./api-key-usage.js";

describe("ApiKeyUsage", () => {
  it("writes each key's use at most once a minute on the clock, in one touch per flush", async () => {
    const clock = new ManualClock();
    const touch = recordingTouch();
    const usage = new ApiKeyUsage(touch, clock);
    for (let i = 0; i < 100; i++) usage.record("a");
    usage.record("b");
    expect(touch.calls).toEqual([]);
    expect(await usage.flush()).toBe(2);
    expect(touch.calls).toEqual([{ ids: ["a", "b"], at: clock.now() }]);
    clock.advance(59_999);
    usage.record("a");
    expect(await usage.flush()).toBe(0);
    clock.advance(1);
    usage.record("a");
    expect(await usage.flush()).toBe(1);
    expect(touch.calls.at(-1)).toEqual({ ids: ["a"], at: clock.now() });
  });

  it("a flush with nothing used writes nothing", async () => {
    const touch = recordingTouch();
    expect(await new ApiKeyUsage(touch, new ManualClock()).flush()).toBe(0);
    expect(touch.calls).toEqual([]);
  });
});
