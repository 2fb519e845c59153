import { describe, expect, it } from "vitest";
import type { Session } from "../../domain/session.js";
import type { CoreDeps } from "../shared/deps.js";
import { RequireFreshAuthentication } from "./require-fresh-authentication.js";

const T0 = new Date("2026-12-04T10:00:00Z");

function useCase(session: Partial<Session> | null, nowMs: number) {
  const sessions = { findById: async () => (session ? ({ id: "s1", authenticatedAt: T0, ...session } as Session) : null) };
  const deps = {
    uow: { sessions } as unknown as CoreDeps["uow"],
    clock: { now: () => new Date(T0.getTime() + nowMs) },
    settings: { reauthMaxAgeSeconds: 600 } as CoreDeps["settings"],
  };
  return new RequireFreshAuthentication(deps);
}
const principal = { userId: "u1", sessionId: "s1" } as Parameters<RequireFreshAuthentication["execute"]>[0];

describe("RequireFreshAuthentication", () => {
  it("passes within the window, to the millisecond", async () => {
    await useCase({}, 0).execute(principal);
    await useCase({}, 600_000).execute(principal);
  });

  it("refuses past the window with REAUTHENTICATION_REQUIRED", async () => {
    await expect(useCase({}, 600_001).execute(principal)).rejects.toMatchObject({ reason: "REAUTHENTICATION_REQUIRED" });
  });

  it("reads authenticatedAt, not the session's age: a re-authenticated old session passes", async () => {
    const old = { createdAt: new Date(T0.getTime() - 86_400_000), authenticatedAt: new Date(T0.getTime() + 3_600_000) };
    await useCase(old, 3_600_000 + 1000).execute(principal);
  });

  it("refuses when the session is gone", async () => {
    await expect(useCase(null, 0).execute(principal)).rejects.toMatchObject({ reason: "REAUTHENTICATION_REQUIRED" });
  });
});
