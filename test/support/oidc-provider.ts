/**
 * A real OpenID Connect provider on loopback for the OAuth tests: panva's oidc-provider 8 (the
 * certified implementation, Node 20), run in-process, never a stub of our own.
 *
 * - The provider listens on 127.0.0.1 (port 0). In front of it, a small HTTP proxy on its own
 *   port is the ISSUER: every URL the service sees (discovery, JWKS, token endpoint) goes
 *   through it, so a test can
 *   - `tamperIdToken(fn)`: rewrite the id_token of the token endpoint's answer (decode the
 *     payload, apply fn, re-sign with the provider's real key, kid kept): a token that verifies
 *     by signature but has a wrong aud/iss/exp/nonce;
 *   - `stop()` / `start()` the front port: the provider going down mid-flow;
 *   - read `requests` (paths only) and `tokenResponses` (every access and id token handed out,
 *     for the "never in logs" checks).
 * - Claims: in the id token as Google sends them, or (`conformIdTokenClaims`) at the userinfo
 *   endpoint only, as OpenID Connect Core 5.4 allows.
 * - Clients: client_secret_post (the service's adapter uses client.ClientSecretPost), PKCE S256
 *   required. Accounts come from a map (sub → claims) the test fills with `account()`.
 * - The signing key is an ES256 JWK generated here with jose, so the harness can sign too.
 * - No dev interactions: GET /interaction/:uid is answered by the harness itself, which logs in
 *   the chosen sub and grants the requested scopes (interactionFinished), as a user clicking
 *   "sign in" and "allow" would.
 * - `authorize(url, {sub})` walks an authorization URL through the provider's redirects with a
 *   tiny cookie jar until the redirect to the client's redirect_uri, which it does not fetch,
 *   and returns the code, state and iss of that redirect.
 */
import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from "jose";

/** What `findAccount` answers for a sub (claims of the email and profile scopes). */
export interface AccountClaims {
  email?: string;
  /** A boolean, or a string as some providers send it ("true"/"false"). */
  email_verified?: boolean | string;
  name?: string;
  preferred_username?: string;
}

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  /** Default client_secret_post, what the service sends. */
  token_endpoint_auth_method?: "client_secret_post" | "client_secret_basic";
}

export interface AuthorizeResult {
  code: string;
  state: string;
  iss: string;
  /** The whole redirect to the client's redirect_uri. */
  location: string;
}

export type IdTokenPayload = Record<string, unknown>;

export interface TestOidcProvider {
  /** The proxy's URL: the provider's issuer (no trailing slash). */
  readonly issuer: string;
  /** The provider's own port, behind the proxy. */
  readonly providerPort: number;
  /** Paths (no query) of every request the proxy received, oldest first. */
  readonly requests: readonly string[];
  /** Every access_token, id_token and refresh_token the token endpoint answered (before tampering). */
  readonly tokenResponses: readonly string[];
  /** Sets (or replaces) the claims `sub` answers with. */
  account(sub: string, claims: AccountClaims): void;
  /** The sub the interaction logs in when the request names none (a browser flow). */
  nextLogin(sub: string): void;
  /**
   * Rewrites the id_token of the next token responses (null: stop tampering), re-signed with the
   * provider's key, or with `foreignKey` another key under the same kid (a forgery).
   */
  tamperIdToken(fn: ((payload: IdTokenPayload) => IdTokenPayload) | null, options?: { foreignKey?: boolean }): void;
  /** Signs a payload with the provider's key (its kid), as the provider would. */
  sign(payload: IdTokenPayload, header?: Record<string, unknown>): Promise<string>;
  /** Walks the authorization URL as a browser would, logging in `sub`; stops at the redirect_uri. */
  authorize(url: string, options: { sub: string }): Promise<AuthorizeResult>;
  /** Stops the front port (the issuer): connections refused, open ones cut. */
  stop(): Promise<void>;
  /** Listens on the same front port again. */
  start(): Promise<void>;
  close(): Promise<void>;
}

interface OidcInteraction {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, string>;
  session?: { accountId?: string };
  grantId?: string;
}
interface OidcGrant {
  addOIDCScope(scope: string): void;
  save(): Promise<string>;
}
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => OidcGrant;
  on(event: string, listener: (...args: unknown[]) => void): void;
}
type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

/** The header the walker sends on the interaction request: which sub to log in. */
const LOGIN_HEADER = "x-test-login-sub";

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
    sockets.clear();
  });
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return sockets;
}

export async function startOidcProvider(options: {
  clients: TestClient[];
  accounts?: Record<string, AccountClaims>;
  /**
   * OpenID Connect Core 5.4 to the letter: the email and profile claims at the userinfo endpoint
   * only, not in the id token (oidc-provider's default). Off by default: in the id token too, as Google does.
   */
  conformIdTokenClaims?: boolean;
}): Promise<TestOidcProvider> {
  // oidc-provider ships no type declarations: the few members used are typed above.
  const specifier = "oidc-provider";
  const { default: Provider } = (await import(specifier)) as { default: ProviderConstructor };

  const accounts = new Map<string, AccountClaims>(Object.entries(options.accounts ?? {}));
  const requests: string[] = [];
  const tokenResponses: string[] = [];
  let defaultSub: string | null = null;
  let tamper: ((payload: IdTokenPayload) => IdTokenPayload) | null = null;
  let tamperWithForeignKey = false;

  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const foreign = await generateKeyPair("ES256");
  const kid = `test-${randomBytes(4).toString("hex")}`;
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: "ES256", use: "sig" };

  // The front port first: the issuer must be known to construct the provider.
  const front = createServer();
  const frontSockets = trackSockets(front);
  const frontPort = await listen(front);
  const issuer = `http://127.0.0.1:${frontPort}`;

  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? "client_secret_post",
      id_token_signed_response_alg: "ES256",
    })),
    pkce: { methods: ["S256"], required: () => true },
    scopes: ["openid", "email", "profile"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "preferred_username"] },
    conformIdTokenClaims: options.conformIdTokenClaims ?? false,
    findAccount: async (_ctx: unknown, sub: string) => {
      const claims = accounts.get(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...claims }) };
    },
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
  });

  /** The "user": logs in the chosen sub and grants what the client asked for. */
  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const asked = req.headers[LOGIN_HEADER];
    const sub = (typeof asked === "string" ? asked : null) ?? defaultSub ?? details.session?.accountId;
    if (!sub) {
      res.writeHead(400, { "content-type": "text/plain" }).end("no sub to log in");
      return;
    }
    const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id as string });
    grant.addOIDCScope(details.params.scope ?? "openid");
    const result: Record<string, unknown> = { consent: { grantId: await grant.save() } };
    if (details.prompt.name === "login" || details.session?.accountId !== sub) result.login = { accountId: sub };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  const handle = provider.callback();
  const inner = createServer((req, res) => {
    if (req.method === "GET" && req.url?.startsWith("/interaction/")) {
      interaction(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      });
      return;
    }
    handle(req, res);
  });
  const innerSockets = trackSockets(inner);
  const providerPort = await listen(inner);

  async function rewrite(body: Buffer): Promise<Buffer> {
    const json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    for (const key of ["access_token", "id_token", "refresh_token"]) if (typeof json[key] === "string") tokenResponses.push(json[key] as string);
    const idToken = json.id_token;
    if (!tamper || typeof idToken !== "string") return body;
    const header = decodeProtectedHeader(idToken) as Record<string, unknown>;
    const payload = JSON.parse(Buffer.from(idToken.split(".")[1] as string, "base64url").toString("utf8")) as IdTokenPayload;
    const changed = tamper(payload);
    json.id_token = tamperWithForeignKey
      ? await new CompactSign(new TextEncoder().encode(JSON.stringify(changed))).setProtectedHeader(header as { alg: string }).sign(foreign.privateKey)
      : await sign(changed, header);
    return Buffer.from(JSON.stringify(json));
  }

  async function sign(payload: IdTokenPayload, header: Record<string, unknown> = { alg: "ES256", kid }): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ ...header, alg: "ES256", kid }).sign(privateKey);
  }

  // The proxy: everything to the provider; the token endpoint's JSON is read (and maybe rewritten).
  front.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", issuer).pathname;
    requests.push(path);
    const upstream = httpRequest({ host: "127.0.0.1", port: providerPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const isToken = path === "/token" && String(answer.headers["content-type"] ?? "").startsWith("application/json");
      if (!isToken) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on("data", (c: Buffer) => chunks.push(c));
      answer.on("end", () => {
        rewrite(Buffer.concat(chunks)).then(
          (body) => {
            const headers = { ...answer.headers, "content-length": String(body.length) };
            delete headers["transfer-encoding"];
            res.writeHead(answer.statusCode ?? 502, headers).end(body);
          },
          (error: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`proxy: ${String(error)}`),
        );
      });
    });
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });

  const redirectUris = options.clients.flatMap((c) => c.redirect_uris);

  async function authorize(url: string, walk: { sub: string }): Promise<AuthorizeResult> {
    const jar = new Map<string, string>();
    let next = new URL(url);
    for (let hop = 0; hop < 20; hop++) {
      const target = next.href;
      if (redirectUris.some((r) => target.startsWith(`${r}?`) || target === r)) {
        const q = next.searchParams;
        const error = q.get("error");
        if (error) throw new Error(`the provider answered the client with error=${error}`);
        return { code: q.get("code") ?? "", state: q.get("state") ?? "", iss: q.get("iss") ?? "", location: target };
      }
      const headers: Record<string, string> = { [LOGIN_HEADER]: walk.sub };
      if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
      const res = await fetch(target, { redirect: "manual", headers });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const eq = (pair ?? "").indexOf("=");
        if (eq <= 0) continue;
        const name = (pair as string).slice(0, eq).trim();
        const value = (pair as string).slice(eq + 1).trim();
        if (/expires=Thu, 01 Jan 1970/i.test(line) || value === "") jar.delete(name);
        else jar.set(name, value);
      }
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) {
        throw new Error(`the authorization walk stopped at ${new URL(target).pathname} with HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
      }
      await res.arrayBuffer().catch(() => undefined);
      next = new URL(location, target);
    }
    throw new Error("the authorization walk did not reach the redirect_uri in 20 hops");
  }

  return {
    issuer,
    providerPort,
    requests,
    tokenResponses,
    account: (sub, claims) => void accounts.set(sub, claims),
    nextLogin: (sub) => {
      defaultSub = sub;
    },
    tamperIdToken: (fn, tamperOptions) => {
      tamper = fn;
      tamperWithForeignKey = tamperOptions?.foreignKey === true;
    },
    sign,
    authorize,
    stop: () => closeServer(front, frontSockets),
    start: async () => {
      if (!front.listening) await listen(front, frontPort);
    },
    close: async () => {
      await closeServer(front, frontSockets);
      await closeServer(inner, innerSockets);
    },
  };
}
