import { describe, expect, it } from "vitest";
import { makeDeps } from "../../../test/support/fakes.js";
import { rejection } from "../../../test/support/use-case-deps.js";
import { DependencyUnavailableError } from "../../domain/errors.js";
import { FLOW_TTL_SECONDS } from "./oauth-flow.js";
import { StartOAuth } from "./start-oauth.js";

describe("StartOAuth", () => {
  it("hands out the provider's URL with a fresh state, nonce and verifier, kept server-side for 10 minutes", async () => {
    const deps = makeDeps();
    const start = new StartOAuth(deps);
    const a = await start.execute({ provider: "acme" });
    const b = await start.execute({ provider: "acme" });
    const params = (url: string) => new URL(url).searchParams;
    expect(a.state).toMatch(/^[\w-]{43}$/);
    expect(a.state).not.toBe(b.state);
    expect(params(a.authorizationUrl).get("state")).toBe(a.state);
    expect(params(a.authorizationUrl).get("nonce")).not.toBe(params(b.authorizationUrl).get("nonce"));
    expect(a.expiresAt.getTime() - deps.clock.now().getTime()).toBe(FLOW_TTL_SECONDS * 1000);
    // The store holds the flow under a hash of the state, never the state itself.
    expect(await deps.oauthFlows.take(a.state)).toBeNull();
  });

  it("an unknown provider is OAUTH_PROVIDER_UNKNOWN; an unreachable one stores no flow", async () => {
    const deps = makeDeps();
    const start = new StartOAuth(deps);
    expect((await rejection(start.execute({ provider: "nope" }))).reason).toBe("OAUTH_PROVIDER_UNKNOWN");
    let puts = 0;
    const put = deps.oauthFlows.put.bind(deps.oauthFlows);
    deps.oauthFlows.put = async (...args) => {
      puts++;
      return put(...args);
    };
    deps.oauthProviders.authorizationUrl = async () => {
      throw new DependencyUnavailableError("oidc:acme");
    };
    expect(await rejection(start.execute({ provider: "acme" }))).toBeInstanceOf(DependencyUnavailableError);
    expect(puts).toBe(0);
  });
});
