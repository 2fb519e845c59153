/**
 * Where a client on this machine reaches a server bound on `host`: loopback for a wildcard
 * bind. For the container health check, in a file of its own so it loads nothing else.
 */
export function loopbackTarget(host: string, port: number): string {
  if (host === "" || host === "0.0.0.0" || host === "::" || host === "[::]") return `127.0.0.1:${port}`;
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
