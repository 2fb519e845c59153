import { describe, expect, it } from "vitest";
import { principalFor } from "../../../test/support/fakes.js";
import { rejection, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { LinkProvider } from "./link-provider.js";

describe("LinkProvider", () => {
  it("starts a flow bound to the caller; refuses a provider the account already has an identity at", async () => {
    const uow = createMemoryUnitOfWork();
    const deps = unitDeps(uow);
    const user = await seedUser(deps);
    const principal = principalFor(user.id, "00000000-0000-7000-8000-00000000aaaa");
    const link = new LinkProvider(deps);
    const started = await link.execute({ provider: "acme" }, principal);
    expect(new URL(started.authorizationUrl).searchParams.get("state")).toBe(started.state);
    expect((await rejection(link.execute({ provider: "nope" }, principal))).reason).toBe("OAUTH_PROVIDER_UNKNOWN");
    await uow.oauthIdentities.create({
      id: "00000000-0000-7000-8000-0000000000c1",
      userId: user.id,
      provider: "acme",
      issuer: "https://idp.acme.test",
      subject: "s",
      email: null,
      createdAt: deps.clock.now(),
      lastUsedAt: null,
    });
    expect((await rejection(link.execute({ provider: "acme" }, principal))).reason).toBe("PROVIDER_ALREADY_LINKED");
  });
});
