import type { IncomingMessage } from "node:http";
import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { clientAddress } from "../../grpc/call-context.js";
import { httpPeer } from "../server.js";
import { forwardedForHops } from "./grpc-forwarder.js";

/** What the gRPC side concludes from the hops the gateway forwards (its own peer is loopback). */
function clientSeenByGrpc(hops: string | undefined, trusted: string[] = []): string {
  const metadata = new Metadata();
  if (hops !== undefined) metadata.set("x-forwarded-for", hops);
  return clientAddress("127.0.0.1", metadata, new Set(trusted), true);
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
    // The gRPC side then falls back to its own peer (the loopback gateway), not 6.6.6.6.
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
