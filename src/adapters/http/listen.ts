import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Binds `host:port` (0 picks a free port), failing on a bind error, and answers the port. */
export async function listenOn(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
