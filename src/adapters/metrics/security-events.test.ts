import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PromSecurityEvents } from "./security-events.js";

describe("auth_security_events_total", () => {
  it("has a series for every event from the start and counts each one by kind only", async () => {
    const events = new PromSecurityEvents();
    const registry = new Registry();
    events.registerOn(registry);
    expect(await registry.metrics()).toMatch(/^auth_security_events_total\{event="account_locked"\} 0$/m);
    expect(await registry.metrics()).toMatch(/^auth_security_events_total\{event="refresh_token_reused"\} 0$/m);
    events.record("account_locked");
    events.record("account_locked");
    events.record("refresh_token_reused");
    const text = await registry.metrics();
    expect(text).toMatch(/^auth_security_events_total\{event="account_locked"\} 2$/m);
    expect(text).toMatch(/^auth_security_events_total\{event="refresh_token_reused"\} 1$/m);
    // The event is the only label.
    expect(text.match(/^auth_security_events_total\{[^}]*\}/gm)).toEqual([
      'auth_security_events_total{event="account_locked"}',
      'auth_security_events_total{event="refresh_token_reused"}',
    ]);
  });
});
