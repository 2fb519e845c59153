import { DomainError } from "../../domain/errors.js";
import type { OAuthProvider } from "../ports/oauth.js";
import type { CoreDeps } from "../shared/deps.js";
import { randomToken, recordKey } from "../shared/single-use-records.js";

/** How long a started flow may be completed (api.md: 10 minutes). */
export const FLOW_TTL_SECONDS = 600;

/** What the server keeps of a flow; the browser only ever holds the state. */
export interface OAuthFlow {
  provider: string;
  /** `link`: CompleteOAuth links the identity to `userId`, and needs that user's bearer. */
  purpose: "login" | "link";
  userId: string | null;
  codeVerifier: string;
  nonce: string;
}

export interface StartedFlow {
  authorizationUrl: string;
  state: string;
  expiresAt: Date;
}

const stateInvalid = () => new DomainError("OAUTH_STATE_INVALID", "The sign-in flow is unknown, expired or already used: start again");

/** The store's key: a hash of the state, so a read of the store gives no usable state. */
const flowKey = (state: string) => recordKey("oauth", state);

export function providerOrThrow(deps: Pick<CoreDeps, "oauthProviders">, id: string): OAuthProvider {
  const provider = typeof id === "string" ? deps.oauthProviders.get(id) : null;
  if (!provider) throw new DomainError("OAUTH_PROVIDER_UNKNOWN", "No such sign-in provider");
  return provider;
}

/**
 * Starts an authorization code flow: a fresh state (256 bits), nonce and PKCE verifier, kept
 * server-side under the state's hash before the URL is handed out.
 */
export async function beginFlow(
  deps: Pick<CoreDeps, "oauthProviders" | "oauthFlows" | "random" | "clock">,
  provider: OAuthProvider,
  purpose: OAuthFlow["purpose"],
  userId: string | null,
): Promise<StartedFlow> {
  const state = randomToken(deps);
  const flow: OAuthFlow = { provider: provider.id, purpose, userId, codeVerifier: randomToken(deps), nonce: randomToken(deps) };
  // The URL first: a provider that cannot be reached leaves no flow behind.
  const authorizationUrl = await deps.oauthProviders.authorizationUrl(provider.id, { state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
  await deps.oauthFlows.put(flowKey(state), JSON.stringify(flow), FLOW_TTL_SECONDS);
  return { authorizationUrl, state, expiresAt: new Date(deps.clock.now().getTime() + FLOW_TTL_SECONDS * 1000) };
}

/**
 * Takes the flow of `state` (single use: it is gone whatever happens next). Unknown, expired,
 * used, or started for another provider: OAUTH_STATE_INVALID.
 */
export async function takeFlow(deps: Pick<CoreDeps, "oauthFlows">, provider: OAuthProvider, state: string): Promise<OAuthFlow> {
  const stored = await deps.oauthFlows.take(flowKey(state));
  if (stored === null) throw stateInvalid();
  const flow = JSON.parse(stored) as OAuthFlow;
  if (flow.provider !== provider.id) throw stateInvalid();
  return flow;
}
