import type { IncomingMessage } from "node:http";
import { status as Code, Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { clientAddress } from "../../grpc/call-context.js";
import { FORWARDED_USER_AGENT_METADATA, GATEWAY_SECRET_METADATA } from "../../transport/gateway-metadata.js";
import { peerAddress } from "../../transport/peer-address.js";
import { httpPeer } from "../server.js";
import { type Dispatch, type ForwardedRequest, type ForwardResult, forwardedForHops, GATEWAY_PEER, GrpcForwarder } from "./grpc-forwarder.js";

/** What the gRPC side concludes from the hops the gateway forwards (its own peer is the gateway's, GATEWAY_PEER). */
function clientSeenByGrpc(hops: string | undefined, trusted: string[] = []): string {
  const metadata = new Metadata();
  if (hops !== undefined) metadata.set("x-forwarded-for", hops);
  return clientAddress(peerAddress(GATEWAY_PEER), metadata, new Set(trusted), true);
}

const socket = (remoteAddress: string | undefined) => ({ socket: { remoteAddress } }) as unknown as Pick<IncomingMessage, "socket">;

describe("forwardedForHops", () => {
  it("appends the HTTP peer to the client's own X-Forwarded-For, so the peer is the last hop", () => {
    expect(forwardedForHops(undefined, "203.0.113.7")).toBe("203.0.113.7");
    expect(forwardedForHops("", "203.0.113.7")).toBe("203.0.113.7");
    expect(forwardedForHops("198.51.100.1", "203.0.113.7")).toBe("198.51.100.1, 203.0.113.7");
    expect(clientSeenByGrpc(forwardedForHops("6.6.6.6", "203.0.113.7"))).toBe("203.0.113.7");
  });

  it("with no known HTTP peer forwards no X-Forwarded-For: the client's header never speaks for it", () => {
    expect(forwardedForHops("6.6.6.6", "")).toBeUndefined();
    expect(forwardedForHops(undefined, "")).toBeUndefined();
    // The gRPC side then falls back to the call's own peer (the gateway on loopback), not 6.6.6.6.
    expect(clientSeenByGrpc(forwardedForHops("6.6.6.6", ""))).toBe("127.0.0.1");
    expect(clientSeenByGrpc(forwardedForHops("6.6.6.6, 7.7.7.7", ""))).toBe("127.0.0.1");
  });
});

describe("httpPeer", () => {
  it("is the socket's address, IPv4-mapped IPv6 as IPv4, and empty when the socket lost it", () => {
    expect(httpPeer(socket("203.0.113.7"))).toBe("203.0.113.7");
    expect(httpPeer(socket("::ffff:203.0.113.7"))).toBe("203.0.113.7");
    expect(httpPeer(socket("2001:db8::1"))).toBe("2001:db8::1");
    expect(httpPeer(socket(undefined))).toBe("");
    expect(clientSeenByGrpc(forwardedForHops("6.6.6.6", httpPeer(socket(undefined))))).toBe("127.0.0.1");
  });
});

describe("GrpcForwarder", () => {
  const from: ForwardedRequest = {
    passThrough: { "x-request-id": "req-1", authorization: "Bearer t" },
    peerIp: "203.0.113.7",
    forwardedFor: "198.51.100.1",
    userAgent: `UA/${"x".repeat(600)}`,
  };
  /** A dispatch that records its calls and answers when told (or never). */
  function recorder() {
    const calls: { path: string; bytes: Uint8Array; metadata: Metadata; peer: string; answer: (r: ForwardResult) => void }[] = [];
    const dispatch: Dispatch = (path, bytes, metadata, peer) => new Promise((answer) => calls.push({ path, bytes, metadata, peer, answer }));
    return { calls, dispatch };
  }
  const ok = (bytes: string): ForwardResult => ({ ok: true, bytes: Buffer.from(bytes) });

  it("dispatches with the metadata a gRPC caller would send: headers, hops, user agent, the secret", async () => {
    const { calls, dispatch } = recorder();
    const pending = new GrpcForwarder(dispatch, { secret: "s3cret", deadlineMs: 1000 }).call("/auth.v1.AuthService/Login", Uint8Array.of(1, 2), from);
    expect(calls).toHaveLength(1);
    const [c] = calls;
    expect(c?.path).toBe("/auth.v1.AuthService/Login");
    expect([...(c?.bytes ?? [])]).toEqual([1, 2]);
    expect(c?.peer).toBe(GATEWAY_PEER);
    expect(c?.metadata.getMap()).toEqual({
      "x-request-id": "req-1",
      authorization: "Bearer t",
      "x-forwarded-for": "198.51.100.1, 203.0.113.7",
      [FORWARDED_USER_AGENT_METADATA]: `UA/${"x".repeat(509)}`,
      [GATEWAY_SECRET_METADATA]: "s3cret",
    });
    c?.answer(ok("answer"));
    expect(await pending.result).toEqual(ok("answer"));
  });

  it("answers DEADLINE_EXCEEDED when the handler has not answered in time, and drops its late answer", async () => {
    const { calls, dispatch } = recorder();
    const pending = new GrpcForwarder(dispatch, { secret: "s", deadlineMs: 30 }).call("/p/M", new Uint8Array(), from);
    const result = await pending.result;
    expect(!result.ok && [result.error.code, result.error.metadata.get("grpc-status-details-bin")]).toEqual([Code.DEADLINE_EXCEEDED, []]);
    calls[0]?.answer(ok("late"));
    expect(await pending.result).toBe(result);
  });

  it("answers CANCELLED at once when the client goes away", async () => {
    const { calls, dispatch } = recorder();
    const pending = new GrpcForwarder(dispatch, { secret: "s", deadlineMs: 1000 }).call("/p/M", new Uint8Array(), from);
    pending.cancel();
    calls[0]?.answer(ok("late"));
    const result = await pending.result;
    expect(!result.ok && result.error.code).toBe(Code.CANCELLED);
  });

  it("once closed, answers UNAVAILABLE without dispatching", async () => {
    const { calls, dispatch } = recorder();
    const forwarder = new GrpcForwarder(dispatch, { secret: "s", deadlineMs: 1000 });
    forwarder.close();
    const result = await forwarder.call("/p/M", new Uint8Array(), from).result;
    expect(!result.ok && result.error.code).toBe(Code.UNAVAILABLE);
    expect(calls).toEqual([]);
  });
});
