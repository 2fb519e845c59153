/**
 * A client that knows nothing but the reflection protocol (as grpcurl, or a client in another
 * language, does) must find everything it needs to print our rich errors: it walks reflection
 * from an empty descriptor pool and decodes grpc-status-details-bin with those types alone.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  create,
  createFileRegistry,
  type DescExtension,
  type DescMessage,
  type FileRegistry,
  fromBinary,
  getExtension,
  hasExtension,
  type JsonObject,
  toJson,
} from "@bufbuild/protobuf";
import { type DescriptorProto, type FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import {
  type ClientDuplexStream,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, registerUser, uniqueName } from "../support/fixtures.js";
import { call } from "../support/grpc.js";
import { startTestServer, type TestServer } from "../support/server.js";

const REFLECTION_PROTOS = join(dirname(createRequire(import.meta.url).resolve("@grpc/reflection/package.json")), "build/proto");
const VERSIONS = ["v1", "v1alpha"] as const;
type Version = (typeof VERSIONS)[number];
const AUTH_SERVICES = ["AdminService", "ApiKeyService", "AuthService", "PlanService", "SessionService", "UserService"].map((s) => `auth.v1.${s}`);

interface ReflectionResponse {
  messageResponse: "listServicesResponse" | "fileDescriptorResponse" | "errorResponse";
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** One reflection stream, asked one question at a time (the server answers in order). */
class ReflectionClient {
  private readonly stream: ClientDuplexStream<object, ReflectionResponse>;
  private readonly waiting: { resolve: (r: ReflectionResponse) => void; reject: (e: Error) => void }[] = [];
  /** The fresh pool's files, by name: nothing but what reflection answered. */
  readonly files = new Map<string, FileDescriptorProto>();

  constructor(version: Version, port: number) {
    const definition = loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [REFLECTION_PROTOS], oneofs: true, longs: String });
    const pkg = (loadPackageDefinition(definition).grpc as GrpcObject).reflection as GrpcObject;
    const Client = (pkg[version] as GrpcObject).ServerReflection as ServiceClientConstructor;
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    this.stream = (client as unknown as { serverReflectionInfo(): ClientDuplexStream<object, ReflectionResponse> }).serverReflectionInfo();
    this.stream.on("data", (r: ReflectionResponse) => this.waiting.shift()?.resolve(r));
    this.stream.on("error", (e: Error) => {
      for (const w of this.waiting.splice(0)) w.reject(e);
    });
  }

  ask(request: object): Promise<ReflectionResponse> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.stream.write({ host: "", ...request });
    });
  }

  async listServices(): Promise<string[]> {
    const r = await this.ask({ listServices: "*" });
    return (r.listServicesResponse?.service ?? []).map((s) => s.name);
  }

  /** Loads the answer's files, then every import still missing, fetched by file name. */
  async load(request: { fileContainingSymbol: string } | { fileByFilename: string }): Promise<void> {
    const r = await this.ask(request);
    if (!r.fileDescriptorResponse) throw new Error(`${JSON.stringify(request)}: ${r.errorResponse?.errorMessage ?? r.messageResponse}`);
    const added = r.fileDescriptorResponse.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
    for (const file of added) if (!this.files.has(file.name)) this.files.set(file.name, file);
    for (const file of added) for (const dep of file.dependency) if (!this.files.has(dep)) await this.load({ fileByFilename: dep });
  }

  /** A registry of those files alone, imports first (a FileDescriptorSet is read in order). */
  registry(): FileRegistry {
    const ordered: FileDescriptorProto[] = [];
    const visit = (file: FileDescriptorProto) => {
      if (ordered.includes(file)) return;
      for (const dep of file.dependency) {
        const imported = this.files.get(dep);
        if (imported) visit(imported);
      }
      ordered.push(file);
    };
    for (const file of this.files.values()) visit(file);
    return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
  }

  close(): void {
    this.stream.end();
    this.stream.cancel();
  }
}

/**
 * Decodes the trailer the way a reflection-only client does: google.rpc.Status from a fresh
 * pool, then each Any's type looked up by its URL (FileContainingSymbol) and decoded with it.
 */
async function decodeByReflection(reflection: ReflectionClient, error: ServiceError): Promise<{ status: JsonObject; details: Record<string, JsonObject> }> {
  const bin = error.metadata.get("grpc-status-details-bin")[0];
  expect(bin).toBeInstanceOf(Buffer);
  await reflection.load({ fileContainingSymbol: "google.rpc.Status" });
  const statusType = reflection.registry().getMessage("google.rpc.Status") as DescMessage;
  const envelope = fromBinary(statusType, bin as Buffer) as unknown as { details: { typeUrl: string }[] };
  for (const any of envelope.details) await reflection.load({ fileContainingSymbol: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1) });
  const registry = reflection.registry();
  const json = toJson(statusType, fromBinary(statusType, bin as Buffer), { registry }) as JsonObject;
  const details: Record<string, JsonObject> = {};
  for (const d of json.details as JsonObject[]) details[String(d["@type"]).split(".").pop() as string] = d;
  return { status: json, details };
}

/**
 * What protoc writes and strict pools (C++, Go) insist on, which a lenient one lets through:
 * type references fully qualified, and a map's entry named `<Field>Entry` beside its field.
 */
function protocViolations(file: FileDescriptorProto): string[] {
  const out: string[] = [];
  const pascal = (name: string) => name.replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase());
  const visit = (scope: string, message: DescriptorProto) => {
    const name = `${scope}.${message.name}`;
    for (const field of message.field) {
      if (field.typeName && !field.typeName.startsWith(".")) out.push(`${name}.${field.name}: relative type name ${field.typeName}`);
    }
    for (const nested of message.nestedType) {
      if (nested.options?.mapEntry && !message.field.some((f) => `${pascal(f.name)}Entry` === nested.name && f.typeName === `${name}.${nested.name}`)) {
        out.push(`${name}.${nested.name}: map entry not named after its field`);
      }
      visit(name, nested);
    }
  };
  for (const message of file.messageType) visit(file.package ? `.${file.package}` : "", message);
  for (const service of file.service) {
    for (const method of service.method) {
      for (const type of [method.inputType, method.outputType])
        if (!type.startsWith(".")) out.push(`${service.name}.${method.name}: relative type name ${type}`);
    }
  }
  return out.map((v) => `${file.name}: ${v}`);
}

async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("expected the call to fail");
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe.each(VERSIONS)("reflection %s from an empty pool", (version) => {
  // Each test walks from nothing: its own stream, its own fresh pool.
  const opened: ReflectionClient[] = [];
  const fresh = () => {
    const client = new ReflectionClient(version, server.port);
    opened.push(client);
    return client;
  };
  afterAll(() => {
    for (const client of opened) client.close();
  });

  it("lists every auth.v1 service, health and the reflection services themselves", async () => {
    const reflection = fresh();
    const services = await reflection.listServices();
    expect(services).toEqual(
      expect.arrayContaining([...AUTH_SERVICES, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]),
    );
    // Every listed service resolves to a file a strict pool accepts, imports and all.
    for (const service of services) await reflection.load({ fileContainingSymbol: service });
    expect([...reflection.files.values()].flatMap(protocViolations)).toEqual([]);
    const registry = reflection.registry();
    for (const service of services) expect(registry.getService(service), service).toBeDefined();
    // The files are buf's own: custom options survive (protobufjs's re-encoding drops them).
    const login = registry.getService("auth.v1.AuthService")?.methods.find((m) => m.name === "Login");
    const http = registry.getExtension("google.api.http") as DescExtension;
    const access = registry.getExtension("auth.v1.access") as DescExtension;
    expect(login?.proto.options && toJson(registry.getMessage("google.api.HttpRule") as DescMessage, getExtension(login.proto.options, http) as never)).toEqual(
      {
        post: "/v1/auth/login",
        body: "*",
      },
    );
    expect(login?.proto.options && hasExtension(login.proto.options, access)).toBe(true);
  });

  it("finds google.rpc.Status and the error details by symbol", async () => {
    const reflection = fresh();
    for (const symbol of ["google.rpc.Status", "google.rpc.ErrorInfo", "google.rpc.BadRequest", "google.rpc.RetryInfo", "google.rpc.QuotaFailure"]) {
      await reflection.load({ fileContainingSymbol: symbol });
    }
    expect([...reflection.files.values()].flatMap(protocViolations)).toEqual([]);
    const registry = reflection.registry();
    for (const name of [
      "google.rpc.Status",
      "google.rpc.ErrorInfo",
      "google.rpc.BadRequest",
      "google.rpc.RetryInfo",
      "google.protobuf.Any",
      "google.protobuf.Duration",
    ]) {
      expect(registry.getMessage(name), name).toBeDefined();
    }
  });

  it("decodes a wrong password's ErrorInfo with the reflected types alone", async () => {
    const user = await registerUser(server.clients);
    const { auth } = server.clients;
    const error = await rejection(call(auth, auth.login, { identifier: user.username, password: `${PASSWORD} wrong`, otpCode: "", deviceName: "t" }));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    const { status: decoded, details } = await decodeByReflection(fresh(), error);
    expect(decoded.code).toBe(status.UNAUTHENTICATED);
    expect(details.ErrorInfo).toMatchObject({ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "INVALID_CREDENTIALS", domain: "auth.v1" });
  });

  it("decodes a bad registration's BadRequest field violations with the reflected types alone", async () => {
    const { auth } = server.clients;
    const request = { username: uniqueName(), email: "not an address", phone: "", password: PASSWORD, fullName: "T", deviceName: "t" };
    const error = await rejection(call(auth, auth.register, request));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    const { details } = await decodeByReflection(fresh(), error);
    expect(details.ErrorInfo).toMatchObject({ reason: "VALIDATION_FAILED", domain: "auth.v1" });
    expect(details.BadRequest?.fieldViolations).toEqual([expect.objectContaining({ field: "email" })]);
  });
});
