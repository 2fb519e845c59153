/**
 * The built-in REST gateway (adapters/http) forwards each call (in process, through the gRPC
 * server's own handlers: adapters/grpc/local-dispatch.ts) with this per-process secret. Only a call carrying it has its `x-forwarded-for` and
 * `x-forwarded-user-agent` believed without its peer being a trusted proxy: another local
 * process cannot speak for other clients (security.md 14). The gateway appends the HTTP peer
 * it saw, or forwards no X-Forwarded-For at all when it saw none (the client's own header then
 * never speaks for it), so the hop walk in adapters/grpc/call-context.ts starts from a fact.
 */
export const GATEWAY_SECRET_METADATA = "x-auth-gateway-secret";
export const FORWARDED_USER_AGENT_METADATA = "x-forwarded-user-agent";
