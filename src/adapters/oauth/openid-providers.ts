// OpenID Connect providers through openid-client v6 (panva), one breaker per provider.
//
// - Discovery (/.well-known/openid-configuration) is read at start in the background and on first
//   use when that failed, then cached; it is a GET, so a network failure is retried once.
// - The code exchange is a POST of a single-use code: never retried. openid-client verifies the
//   id token (signature from the JWKS, iss, aud, exp/iat, nonce) and, when the provider advertises
//   RFC 9207, the callback's iss.
// - What the provider or the checks say goes to the log as an error code only: never a code,
//   token, client secret or the provider's own text, and never to the caller.
import * as client from "openid-client";
import type { OAuthProvider, OAuthProviders, VerifiedIdentity } from "../../application/ports/oauth.js";
import type { OAuthProviderConfig } from "../../config.js";
import { DependencyUnavailableError, DomainError } from "../../domain/errors.js";
import { isLoopbackHost } from "../../domain/network.js";
import type { Logger } from "../logging/logger.js";
import { type DependencyPolicy, dependencyPolicy } from "../outbound/resilience.js";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT"]);

const oauthFailed = () => new DomainError("OAUTH_FAILED", "The provider did not confirm the sign-in");

function statusOf(value: unknown): number | undefined {
  if (value instanceof Response) return value.status;
  const status = (value as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** Whether `error` means the provider could not be reached (or answered 5xx), as opposed to refused. */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof client.ClientError) {
    if (error.code === "OAUTH_TIMEOUT" || error.code === "OAUTH_ABORT") return true;
    if (error.code === "OAUTH_RESPONSE_IS_NOT_CONFORM" || error.code === "OAUTH_RESPONSE_IS_NOT_JSON") return (statusOf(error.cause) ?? 0) >= 500;
    return error.cause !== undefined && isUnreachable(error.cause);
  }
  if (error instanceof client.ResponseBodyError) return error.status >= 500;
  if (error instanceof TypeError) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    return error.message === "fetch failed" || (typeof cause?.code === "string" && NETWORK_CODES.has(cause.code));
  }
  return false;
}

/** The error's code for the log: openid-client's code, or the OAuth error name. Never its message. */
function codeOf(error: unknown): string {
  if (error instanceof client.ResponseBodyError) return `provider:${error.error}`;
  if (error instanceof client.ClientError) return error.code ?? "client_error";
  if (error instanceof client.AuthorizationResponseError) return `provider:${error.error}`;
  return error instanceof Error ? error.name : "unknown";
}

function secureOrLoopback(url: URL): boolean {
  return url.protocol === "https:" || isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ""));
}

interface Entry {
  config: OAuthProviderConfig;
  policy: DependencyPolicy;
  discovered: Promise<client.Configuration> | null;
}

export class OpenIdProviders implements OAuthProviders {
  private readonly entries = new Map<string, Entry>();

  constructor(
    configs: readonly OAuthProviderConfig[],
    private readonly options: {
      timeoutMs: number;
      logger: Logger;
      /** Each provider's breaker (`oidc:<id>`): "closed" once when it is made, then every change (for /metrics). */
      onBreakerState?: (dependency: string, state: "open" | "half-open" | "closed") => void;
    },
  ) {
    for (const config of configs) {
      const dependency = `oidc:${config.id}`;
      options.onBreakerState?.(dependency, "closed");
      const policy = dependencyPolicy({
        // Discovery may make two requests (a retry): the policy's timeout covers the whole call.
        timeoutMs: options.timeoutMs * 2 + 500,
        consecutiveFailures: 5,
        halfOpenAfterMs: 5000,
        onStateChange: (state) => {
          options.logger.warn({ dependency, breaker: state }, "circuit breaker");
          options.onBreakerState?.(dependency, state);
        },
      });
      this.entries.set(config.id, { config, policy, discovered: null });
    }
  }

  /** Reads every provider's discovery document now; a failure is logged and retried on first use. */
  warmUp(): void {
    for (const entry of this.entries.values()) {
      this.configuration(entry).catch((error: unknown) =>
        this.options.logger.warn({ provider: entry.config.id, error: codeOf(error) }, "OpenID Connect discovery failed; retried on first use"),
      );
    }
  }

  list(): readonly OAuthProvider[] {
    return [...this.entries.values()].map((e) => this.describe(e.config));
  }

  get(id: string): OAuthProvider | null {
    const entry = this.entries.get(id);
    return entry ? this.describe(entry.config) : null;
  }

  async authorizationUrl(providerId: string, flow: { state: string; nonce: string; codeVerifier: string }): Promise<string> {
    const entry = this.entry(providerId);
    const configuration = await this.guard(entry, () => this.configuration(entry));
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: entry.config.redirectUri,
      scope: entry.config.scopes.join(" "),
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: "S256",
    });
    return url.href;
  }

  async exchange(providerId: string, input: { code: string; state: string; iss?: string; codeVerifier: string; nonce: string }): Promise<VerifiedIdentity> {
    const entry = this.entry(providerId);
    return this.guard(entry, async () => {
      const configuration = await this.configuration(entry);
      const callback = new URL(entry.config.redirectUri);
      callback.search = "";
      callback.searchParams.set("code", input.code);
      callback.searchParams.set("state", input.state);
      // RFC 9207: the provider's own iss when the client got one; else the flow's provider (the
      // state, kept server-side, already binds the flow to it).
      if (configuration.serverMetadata().authorization_response_iss_parameter_supported) {
        callback.searchParams.set("iss", input.iss || configuration.serverMetadata().issuer);
      }
      const tokens = await client.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: input.codeVerifier,
        expectedState: input.state,
        expectedNonce: input.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw oauthFailed();
      // OpenID Connect Core 5.4: when an access token is issued, a provider may give the email and
      // profile claims at the userinfo endpoint only (Google puts them in the id token too). Asked
      // there when the id token has no email; openid-client checks that its sub is the id token's.
      const metadata = configuration.serverMetadata();
      const askUserinfo = idClaims.email === undefined && entry.config.scopes.includes("email") && metadata.userinfo_endpoint !== undefined;
      const userinfo = askUserinfo ? await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub) : {};
      const claims: Record<string, unknown> & { iss: string; sub: string } = { ...userinfo, ...idClaims };
      const email = typeof claims.email === "string" && claims.email.includes("@") ? claims.email.trim().toLowerCase() : null;
      const verified = claims.email_verified === true || claims.email_verified === "true";
      return {
        issuer: claims.iss,
        subject: claims.sub,
        email,
        emailVerified: email !== null && verified,
        name: typeof claims.name === "string" ? claims.name : null,
        preferredUsername: typeof claims.preferred_username === "string" ? claims.preferred_username : null,
      };
    });
  }

  private describe(config: OAuthProviderConfig): OAuthProvider {
    return { id: config.id, issuer: config.issuer, trustEmailVerified: config.trustEmailVerified };
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new DomainError("OAUTH_PROVIDER_UNKNOWN", "No such sign-in provider");
    return entry;
  }

  /** Runs a call to the provider behind its breaker; maps what fails to the service's vocabulary. */
  private async guard<T>(entry: Entry, call: () => Promise<T>): Promise<T> {
    const dependency = `oidc:${entry.config.id}`;
    if (entry.policy.refusing()) throw new DependencyUnavailableError(dependency);
    try {
      return await entry.policy.execute(async () => {
        try {
          return await call();
        } catch (error) {
          if (error instanceof DomainError) throw error;
          if (isUnreachable(error)) throw new DependencyUnavailableError(dependency, { cause: error });
          this.options.logger.info({ provider: entry.config.id, error: codeOf(error) }, "OpenID Connect provider refused the sign-in");
          throw oauthFailed();
        }
      });
    } catch (error) {
      if (error instanceof DomainError || error instanceof DependencyUnavailableError) throw error;
      // The policy's own timeout or an open breaker.
      throw new DependencyUnavailableError(dependency, { cause: error });
    }
  }

  /** The discovered configuration, cached once it succeeded; a failure is forgotten so the next call retries. */
  private configuration(entry: Entry): Promise<client.Configuration> {
    if (!entry.discovered) {
      const attempt = this.discover(entry.config).catch(async (error: unknown) => {
        if (!isUnreachable(error)) throw error;
        return this.discover(entry.config);
      });
      entry.discovered = attempt;
      attempt.catch(() => {
        if (entry.discovered === attempt) entry.discovered = null;
      });
    }
    return entry.discovered;
  }

  private async discover(config: OAuthProviderConfig): Promise<client.Configuration> {
    const issuer = new URL(config.issuer);
    const insecure = issuer.protocol === "http:" && secureOrLoopback(issuer);
    const auth = config.clientSecret ? client.ClientSecretPost(config.clientSecret) : client.None();
    const configuration = await client.discovery(issuer, config.clientId, { redirect_uris: [config.redirectUri] }, auth, {
      timeout: Math.ceil(this.options.timeoutMs / 1000),
      // openid-client checks the id token's claims but, by default, not its signature (TLS to the
      // token endpoint stands in for it): enableNonRepudiationChecks verifies it with the JWKS.
      execute: insecure ? [client.allowInsecureRequests, client.enableNonRepudiationChecks] : [client.enableNonRepudiationChecks],
    });
    configuration.timeout = Math.ceil(this.options.timeoutMs / 1000);
    return configuration;
  }
}
