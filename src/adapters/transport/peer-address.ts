import { isIP } from "node:net";

/**
 * grpc-js reports the peer as `address:port` (`127.0.0.1:5000`, `::1:5000`,
 * `::ffff:10.0.0.1:5000`); returns the address, IPv4-mapped IPv6 as plain IPv4.
 */
export function peerAddress(peer: string): string {
  // Calls on one connection repeat its peer: the last answer is kept (two isIP and a regex per call otherwise).
  if (peer === last.peer) return last.address;
  const address = parsePeer(peer);
  last = { peer, address };
  return address;
}

let last = { peer: "", address: "" };

function parsePeer(peer: string): string {
  let address = peer.replace(/^ipv[46]:/, "");
  if (isIP(address) === 0) {
    const m = /^\[?(.*?)\]?:\d+$/.exec(address);
    address = m?.[1] ?? "";
  }
  if (address.startsWith("::ffff:") && isIP(address.slice(7)) === 4) address = address.slice(7);
  return isIP(address) === 0 ? "" : address;
}
