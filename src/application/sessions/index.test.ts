import { describe, expect, it } from "vitest";
import { makeDeps, seedUser, testCtx } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { GetJwks } from "./get-jwks.js";
import { createSessionUseCases } from "./index.js";
import { ListSessions } from "./list-sessions.js";
import { Logout } from "./logout.js";
import { openSession, tokensForNewSession } from "./open-session.js";
import { Reauthenticate } from "./reauthenticate.js";
import { RequireFreshAuthentication } from "./require-fresh-authentication.js";
import { RevokeAllSessions } from "./revoke-all-sessions.js";
import { RevokeSession } from "./revoke-session.js";
import { RotateRefreshToken } from "./rotate-refresh-token.js";
import { ValidateToken } from "./validate-token.js";

describe("createSessionUseCases", () => {
  it("names each use case by its rpc", () => {
    const u = createSessionUseCases(makeDeps());
    expect(u.refreshToken).toBeInstanceOf(RotateRefreshToken);
    expect(u.logout).toBeInstanceOf(Logout);
    expect(u.validateToken).toBeInstanceOf(ValidateToken);
    expect(u.getJwks).toBeInstanceOf(GetJwks);
    expect(u.listSessions).toBeInstanceOf(ListSessions);
    expect(u.revokeSession).toBeInstanceOf(RevokeSession);
    expect(u.revokeAllSessions).toBeInstanceOf(RevokeAllSessions);
    expect(u.reauthenticate).toBeInstanceOf(Reauthenticate);
    expect(u.requireFreshAuthentication).toBeInstanceOf(RequireFreshAuthentication);
  });

  it("builds them over the deps it is given: a token signed there validates, lists and logs out", async () => {
    const uow = createMemoryUnitOfWork();
    const deps = makeDeps({ uow });
    const user = await seedUser(uow);
    const opened = await uow.transaction((tx) => openSession(deps, tx, user, testCtx, { authMethod: "password", deviceName: "" }));
    const { accessToken } = await tokensForNewSession(deps, user, opened);
    const u = createSessionUseCases(deps);
    const principal = await u.validateToken.execute({ accessToken });
    expect((await u.listSessions.execute({ pageSize: 0, pageToken: "" }, principal)).sessions.map((s) => s.id)).toEqual([opened.session.id]);
    await u.logout.execute({ refreshToken: "" }, principal, testCtx);
    expect(deps.revoker.announced).toEqual([[opened.session.id]]);
  });
});
