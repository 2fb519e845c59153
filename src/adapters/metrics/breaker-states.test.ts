import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.js";
import { createNotifier } from "../notify/create-notifier.js";
import { OpenIdProviders } from "../oauth/openid-providers.js";
import { PromBreakerStates } from "./breaker-states.js";

const silent = createLogger("silent");

async function scrape(breakers: PromBreakerStates): Promise<string> {
  const registry = new Registry();
  breakers.registerOn(registry);
  return registry.metrics();
}

describe("auth_breaker_state", () => {
  it("starts the known dependencies at 0 and follows each breaker: 0 closed, 1 half-open, 2 open", async () => {
    const breakers = new PromBreakerStates(["database"]);
    expect(await scrape(breakers)).toMatch(/^auth_breaker_state\{dependency="database"\} 0$/m);
    breakers.set("database", "open");
    breakers.set("smtp", "half-open");
    const text = await scrape(breakers);
    expect(text).toMatch(/^auth_breaker_state\{dependency="database"\} 2$/m);
    expect(text).toMatch(/^auth_breaker_state\{dependency="smtp"\} 1$/m);
    breakers.set("database", "closed");
    expect(await scrape(breakers)).toMatch(/^auth_breaker_state\{dependency="database"\} 0$/m);
  });

  it("gets a series for each configured notifier and OpenID Connect provider when they are made", async () => {
    const breakers = new PromBreakerStates();
    const onBreakerState = (dependency: string, state: "open" | "half-open" | "closed") => breakers.set(dependency, state);
    const notifiers = createNotifier(
      {
        smtpUrl: "smtp://127.0.0.1:9",
        from: "auth@example.com",
        smsWebhookUrl: "http://127.0.0.1:9/sms",
        revealCodes: false,
        mailTimeoutMs: 100,
        smsTimeoutMs: 100,
        productName: "Test",
        clock: { now: () => new Date() },
        onBreakerState,
      },
      silent,
    );
    notifiers.close();
    new OpenIdProviders(
      [{ id: "corp", issuer: "http://127.0.0.1:9", clientId: "c", redirectUri: "http://127.0.0.1/cb", scopes: ["openid"], trustEmailVerified: false }],
      {
        timeoutMs: 100,
        logger: silent,
        onBreakerState,
      },
    );
    const text = await scrape(breakers);
    for (const dependency of ["smtp", "sms-webhook", "oidc:corp"])
      expect(text).toMatch(new RegExp(`^auth_breaker_state\\{dependency="${dependency}"\\} 0$`, "m"));
  });

  it("an OpenID Connect provider that cannot be reached opens its breaker: the gauge shows 2", async () => {
    const breakers = new PromBreakerStates();
    // Port 9 (discard) on loopback: nothing listens, every discovery is refused at once.
    const providers = new OpenIdProviders(
      [{ id: "down", issuer: "http://127.0.0.1:9", clientId: "c", redirectUri: "http://127.0.0.1/cb", scopes: ["openid"], trustEmailVerified: false }],
      { timeoutMs: 200, logger: silent, onBreakerState: (dependency, state) => breakers.set(dependency, state) },
    );
    for (let i = 0; i < 5; i++) await providers.authorizationUrl("down", { state: "s", nonce: "n", codeVerifier: "v".repeat(43) }).catch(() => {});
    expect(await scrape(breakers)).toMatch(/^auth_breaker_state\{dependency="oidc:down"\} 2$/m);
  });
});
