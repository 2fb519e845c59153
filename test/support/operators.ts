/** Clients for what operators use: grpc.health.v1 and server reflection (as grpcurl does). */
import { createRequire } from "node:module";
import { type Client, credentials, loadPackageDefinition, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";

const require = createRequire(import.meta.url);
const reflectionProto = require.resolve("@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto");

type Ctor = new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client;

const loaded = new Map<string, Ctor>();

/** The client class of `name` in the proto at `path`; each proto is parsed once per process. */
function load(path: string, name: string): Ctor {
  const key = `${path}#${name}`;
  let ctor = loaded.get(key);
  if (!ctor) {
    const pkg = loadPackageDefinition(loadSync(path, { keepCase: true, longs: String, enums: String, defaults: true }));
    ctor = name.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], pkg) as Ctor;
    loaded.set(key, ctor);
  }
  return ctor;
}

type RawHealthClient = Client & {
  check(req: { service: string }, cb: (e: ServiceError | null, r: { status: string }) => void): void;
  watch(req: { service: string }): NodeJS.EventEmitter;
};

export interface HealthClient {
  /** Resolves the serving status name, or rejects with the ServiceError (NOT_FOUND for unknown). */
  check(service: string): Promise<string>;
  /** grpc.health.v1 Watch: emits `data` ({ status }) with the current status, then on every change. */
  watch(service: string): NodeJS.EventEmitter;
  close(): void;
}

/** A grpc.health.v1 client for the service on 127.0.0.1:`port`; close it when done. */
export function healthClient(port: number): HealthClient {
  const Health = load(healthProtoPath, "grpc.health.v1.Health");
  const client = new Health(`127.0.0.1:${port}`, credentials.createInsecure()) as RawHealthClient;
  return {
    check: (service) => new Promise((resolve, reject) => client.check({ service }, (error, response) => (error ? reject(error) : resolve(response.status)))),
    watch: (service) => client.watch({ service }),
    close: () => client.close(),
  };
}

/** One Check on a client of its own: the status name, or the ServiceError. */
export async function healthCheck(port: number, service: string): Promise<string> {
  const client = healthClient(port);
  try {
    return await client.check(service);
  } finally {
    client.close();
  }
}

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

/** One request/response on the reflection stream. */
export function reflect(port: number, request: Record<string, string>): Promise<ReflectionResponse> {
  const Reflection = load(reflectionProto, "grpc.reflection.v1.ServerReflection");
  const client = new Reflection(`127.0.0.1:${port}`, credentials.createInsecure()) as Client & {
    ServerReflectionInfo(): NodeJS.EventEmitter & { write(r: object): void; end(): void };
  };
  return new Promise((resolve, reject) => {
    const stream = client.ServerReflectionInfo();
    stream.on("data", (response: ReflectionResponse) => {
      resolve(response);
      stream.end();
    });
    stream.on("error", reject);
    stream.on("end", () => client.close());
    stream.write({ host: "", ...request });
  });
}
