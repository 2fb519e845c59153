// The container health check (Dockerfile HEALTHCHECK, docker-compose.yml): asks this instance's
// grpc.health.v1.Health/Check for the overall status ("") and exits 0 only on SERVING, as
// Envoy's active gRPC health check does. NOT_SERVING (database down, draining) exits 1.
//
//   node --import tsx scripts/healthcheck.ts        # SERVER__HOST, SERVER__GRPC_PORT (the service's defaults)
import { type Client, credentials, loadPackageDefinition, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath } from "grpc-health-check";
import { loopbackTarget } from "../src/adapters/transport/loopback.js";
import { loadConfig } from "../src/config.js";

// Through the service's own config (same defaults, same validation), so the address asked is
// the one it bound; a wildcard bind is asked on loopback.
const { host, grpcPort } = loadConfig().server;
const pkg = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
  grpc: { health: { v1: { Health: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client & HealthClient } } };
};
interface HealthClient {
  check(request: { service: string }, options: { deadline: number }, callback: (error: ServiceError | null, response?: { status: string }) => void): void;
}

const client = new pkg.grpc.health.v1.Health(loopbackTarget(host, grpcPort), credentials.createInsecure());
client.check({ service: "" }, { deadline: Date.now() + 2000 }, (error, response) => {
  client.close();
  const status = error ? `error ${error.code}` : (response?.status ?? "unknown");
  process.stdout.write(`grpc health: ${status}\n`);
  process.exit(status === "SERVING" ? 0 : 1);
});
