import type { CoreDeps } from "../shared/deps.js";
import { CompleteOAuth } from "./complete-oauth.js";
import { LinkProvider } from "./link-provider.js";
import { ListProviders } from "./list-providers.js";
import { StartOAuth } from "./start-oauth.js";
import { UnlinkProvider } from "./unlink-provider.js";

/** Sign-in with OpenID Connect providers, and the account's linked identities. */
export function createOAuthUseCases(deps: CoreDeps) {
  return {
    startOAuth: new StartOAuth(deps),
    completeOAuth: new CompleteOAuth(deps),
    listProviders: new ListProviders(deps),
    linkProvider: new LinkProvider(deps),
    unlinkProvider: new UnlinkProvider(deps),
  };
}
