/**
 * The baseline the service is measured against: a grpc-js server registering the same
 * generated service definitions (src/gen/pb) and answering fixed, valid responses of the same
 * messages (captured from the real service by the bench), with no other work, except Login,
 * which does exactly one argon2id verification with the service's configured parameters
 * against a hash made at start-up. Run by bench/processes.ts as its own process (fork + IPC):
 * the config arrives as the first message, the chosen port goes back.
 */
import { pathToFileURL } from "node:url";
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, status, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { Argon2Hasher, type Argon2Options } from "../src/adapters/crypto/argon2-hasher.js";
import { ApiKeyServiceService, ValidateApiKeyResponse } from "../src/gen/pb/auth/v1/api_key_service.js";
import { AuthServiceService, LoginResponse, RefreshTokenResponse, ValidateTokenResponse } from "../src/gen/pb/auth/v1/auth_service.js";
import { CheckQuotaResponse, PlanServiceService } from "../src/gen/pb/auth/v1/plan_service.js";

export interface BaselineConfig {
  /** Each method's response, protobuf-encoded (base64), as the service answered it. */
  responses: Partial<Record<"validateToken" | "login" | "refreshToken" | "validateApiKey" | "checkQuota", string>>;
  /** The service's argon2id parameters (src/config.ts → Argon2Hasher). */
  argon2: Argon2Options;
  /** The password the login baseline's hash is made of. */
  password: string;
}

type Handler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;

/** A handler answering the same decoded message every time (grpc-js encodes it per call, as for the service). */
function fixed<T>(decode: (bytes: Uint8Array) => T, b64: string | undefined): Handler {
  if (b64 === undefined) return (_call, callback) => callback({ code: status.UNIMPLEMENTED, details: "no fixed response" });
  const message = decode(Buffer.from(b64, "base64"));
  return (_call, callback) => callback(null, message);
}

export async function startBaselineServer(config: BaselineConfig): Promise<{ server: Server; port: number }> {
  const hasher = new Argon2Hasher(config.argon2);
  const hash = await hasher.hash(config.password);
  const loginResponse = config.responses.login === undefined ? undefined : LoginResponse.decode(Buffer.from(config.responses.login, "base64"));
  const login: Handler = (call, callback) => {
    const { password } = call.request as { password: string };
    hasher.verify(hash, password).then(
      (ok) => (ok && loginResponse ? callback(null, loginResponse) : callback({ code: status.UNAUTHENTICATED, details: "invalid credentials" })),
      (error: unknown) => callback({ code: status.INTERNAL, details: String(error) }),
    );
  };
  const server = new Server();
  // Methods left out answer UNIMPLEMENTED (grpc-js fills them in).
  server.addService(AuthServiceService, {
    validateToken: fixed((b) => ValidateTokenResponse.decode(b), config.responses.validateToken),
    refreshToken: fixed((b) => RefreshTokenResponse.decode(b), config.responses.refreshToken),
    login,
  } as UntypedServiceImplementation);
  server.addService(ApiKeyServiceService, {
    validateApiKey: fixed((b) => ValidateApiKeyResponse.decode(b), config.responses.validateApiKey),
  } as UntypedServiceImplementation);
  server.addService(PlanServiceService, {
    checkQuota: fixed((b) => CheckQuotaResponse.decode(b), config.responses.checkQuota),
  } as UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  return { server, port };
}

// Run as a child process (bench/processes.ts forks this file): wait for the config, answer with
// the port, stop when the parent goes. Imported (a test), it starts nothing.
if (process.send && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.once("message", (config: BaselineConfig) => {
    startBaselineServer(config).then(
      ({ server, port }) => {
        const stop = () => {
          server.forceShutdown();
          process.exit(0);
        };
        process.on("SIGTERM", stop);
        process.on("disconnect", stop);
        process.send?.({ port });
      },
      (error: unknown) => {
        process.send?.({ error: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  });
}
