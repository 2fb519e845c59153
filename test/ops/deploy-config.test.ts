/**
 * No Envoy and no Docker engine run here, so the deployment files are checked by reading them:
 * envoy.yaml, docker-compose.yml and the Dockerfile must agree with the descriptor set (every
 * auth.v1 service transcoded), with each other (descriptor path, ports, origins, the proxy
 * address) and with src/config.ts (every variable they set exists and validates). The container
 * health check script is run for real against a live server.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DESCRIPTOR_SET_PATH, readDescriptorSet } from "../../src/adapters/grpc/descriptors.js";
import { loadApi } from "../../src/adapters/http/gateway/http-rules.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { isLoopbackHost } from "../../src/domain/network.js";
import { startTestServer, type TestServer } from "../support/server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
type Any = any;

const envoy: Any = parse(read("envoy.yaml"));
const compose: Any = parse(read("docker-compose.yml"), { merge: true });
const dockerfile = parseDockerfile(read("Dockerfile"));
const descriptorInRepo = relative(ROOT, DESCRIPTOR_SET_PATH).split("\\").join("/");

/** Instructions of a Dockerfile, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): { op: string; args: string; stage: number }[] {
  const out: { op: string; args: string; stage: number }[] = [];
  let stage = -1;
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  for (const line of lines) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    if (m[1] === "FROM") stage++;
    out.push({ op: m[1]!, args: m[2]!.trim(), stage });
  }
  return out;
}

/** Every object in a parsed YAML tree (depth first). */
function* walk(node: unknown): Generator<Any> {
  if (Array.isArray(node)) for (const n of node) yield* walk(n);
  else if (node && typeof node === "object") {
    yield node;
    for (const v of Object.values(node)) yield* walk(v);
  }
}

const filterNamed = (name: string): Any => [...walk(envoy)].find((o) => o.name === name);
const transcoder = () => filterNamed("envoy.filters.http.grpc_json_transcoder")?.typed_config;
const cluster = (): Any => envoy.static_resources.clusters.find((c: Any) => c.name === "auth_service");
const appEnv = (): Record<string, string> => compose.services["auth-service"].environment;
/** The Dockerfile's ENV variables. */
const dockerEnv = (): Record<string, string> =>
  Object.fromEntries(dockerfile.filter((i) => i.op === "ENV").flatMap((i) => [...i.args.matchAll(/([A-Z0-9_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])));

/** Compose's `${VAR:-default}` / `${VAR:?message}`: the default, or a stand-in secret. */
function interpolate(value: string): string {
  return String(value).replace(/\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}/g, (_, _name: string, kind?: string, rest?: string) =>
    kind === "-" ? (rest ?? "") : "stand-in-secret-for-the-config-check-0123456789",
  );
}

describe("envoy.yaml", () => {
  it("transcodes every auth.v1 service of the descriptor set, and nothing else", () => {
    const services = loadApi(readDescriptorSet())
      .services.filter((s) => s.typeName.startsWith("auth.v1."))
      .map((s) => s.typeName);
    expect(services.length).toBeGreaterThanOrEqual(3);
    expect([...transcoder().services].sort()).toEqual([...services].sort());
  });

  it("converts gRPC statuses, rejects unknown methods and query parameters, bounds the body, prints JSON like the gateway", () => {
    const t = transcoder();
    expect(t.convert_grpc_status).toBe(true);
    expect(t.request_validation_options).toMatchObject({ reject_unknown_method: true, reject_unknown_query_parameters: true });
    expect(t.max_request_body_size).toBe(Number(appEnv().SERVER__MAX_MESSAGE_BYTES));
    expect(t.print_options).toMatchObject({ always_print_primitive_fields: true, preserve_proto_field_names: false, always_print_enums_as_ints: false });
    // The transcoder sits after CORS and before the router.
    const hcm = filterNamed("envoy.filters.network.http_connection_manager").typed_config;
    expect(hcm.http_filters.map((f: Any) => f.name)).toEqual([
      "envoy.filters.http.cors",
      "envoy.filters.http.grpc_json_transcoder",
      "envoy.filters.http.router",
    ]);
    expect(hcm.access_log[0].typed_config.log_format.json_format).toBeDefined();
    expect(JSON.stringify(hcm.access_log).toLowerCase()).not.toContain("authorization");
  });

  it("routes to the replicas over HTTP/2 with active gRPC health checking", () => {
    const c = cluster();
    expect(c.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config).toHaveProperty(
      "http2_protocol_options",
    );
    expect(c.type).toBe("STRICT_DNS");
    expect(c.health_checks[0].grpc_health_check).toEqual({ service_name: "" });
    const hcm = filterNamed("envoy.filters.network.http_connection_manager").typed_config;
    const routes = hcm.route_config.virtual_hosts.flatMap((v: Any) => v.routes);
    expect(routes.every((r: Any) => r.route.cluster === "auth_service")).toBe(true);
  });

  it("allows exactly the origins the service allows, with credentials and no wildcard", () => {
    const cors = [...walk(envoy)].find((o) => o["@type"]?.endsWith("cors.v3.CorsPolicy"));
    const origins = cors.allow_origin_string_match.map((m: Any) => m.exact);
    expect(origins).toEqual(loadConfig({ SERVER__ALLOWED_ORIGINS: appEnv().SERVER__ALLOWED_ORIGINS }).server.allowedOrigins);
    expect(origins).not.toContain("*");
    expect(cors.allow_credentials).toBe(true);
    for (const h of ["authorization", "content-type", "x-request-id"]) expect(cors.allow_headers).toContain(h);
    expect(cors.expose_headers).toContain("x-request-id");
  });
});

describe("the descriptor set path", () => {
  it("is the file the service reads, copied into the image there and mounted into Envoy where envoy.yaml reads it", () => {
    expect(existsSync(DESCRIPTOR_SET_PATH)).toBe(true);
    const envoyPath = transcoder().proto_descriptor as string;
    const mount = (compose.services.envoy.volumes as string[]).map((v) => v.split(":")).find(([, target]) => target === envoyPath);
    expect(mount, `a volume mounted at ${envoyPath}`).toBeDefined();
    expect(posix.normalize(mount![0]!)).toBe(descriptorInRepo);

    const workdir = dockerfile.filter((i) => i.op === "WORKDIR").at(-1)!.args;
    const final = Math.max(...dockerfile.map((i) => i.stage));
    const copies = dockerfile.filter((i) => i.op === "COPY" && i.stage === final && !i.args.includes("--from"));
    const landed = copies.some((c) => {
      const parts = c.args.split(/\s+/).filter((p) => !p.startsWith("--"));
      const dest = posix.join(workdir, parts.at(-1)!);
      return parts.slice(0, -1).some((src) => {
        const s = posix.normalize(src);
        return s === descriptorInRepo
          ? dest === posix.join(workdir, descriptorInRepo)
          : descriptorInRepo.startsWith(`${s}/`) && dest === posix.join(workdir, s);
      });
    });
    expect(landed, `Dockerfile copies ${descriptorInRepo} to ${workdir}/${descriptorInRepo}`).toBe(true);
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    for (const pattern of ["src", "src/gen", descriptorInRepo, "*.binpb"]) expect(ignored).not.toContain(pattern);
  });
});

describe("ports", () => {
  it("agree between Envoy, compose, the Dockerfile and the service's variables", () => {
    const env = appEnv();
    const grpcPort = Number(env.SERVER__GRPC_PORT);
    const httpPort = Number(env.SERVER__HTTP_PORT);
    const endpoint = cluster().load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    expect(endpoint).toEqual({ address: "auth-service", port_value: grpcPort });
    const listener = envoy.static_resources.listeners[0].address.socket_address.port_value;
    expect(compose.services.envoy.ports).toContain(`${listener}:${listener}`);

    const dockerEnv = Object.fromEntries(
      dockerfile.filter((i) => i.op === "ENV").flatMap((i) => [...i.args.matchAll(/([A-Z0-9_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
    );
    expect(Number(dockerEnv.SERVER__GRPC_PORT)).toBe(grpcPort);
    expect(Number(dockerEnv.SERVER__HTTP_PORT)).toBe(httpPort);
    const exposed = dockerfile.filter((i) => i.op === "EXPOSE").flatMap((i) => i.args.split(/\s+/).map(Number));
    expect(exposed).toEqual(expect.arrayContaining([grpcPort, httpPort]));
    expect(compose.services["auth-service"].expose).toEqual(expect.arrayContaining([String(grpcPort), String(httpPort)]));
    // The config's own defaults are the same, so `npm start` and the image agree.
    const defaults = loadConfig({});
    expect([defaults.server.grpcPort, defaults.server.httpPort]).toEqual([grpcPort, httpPort]);
  });

  it("the operators' listener has its own port: the same everywhere, exposed on the backend only, never routed by Envoy", () => {
    const env = appEnv();
    const opsPort = Number(env.SERVER__OPS_PORT);
    expect(opsPort).toBe(loadConfig({}).server.opsPort);
    expect(opsPort).not.toBe(Number(env.SERVER__HTTP_PORT));
    expect(Number(dockerEnv().SERVER__OPS_PORT)).toBe(opsPort);
    expect(compose.services["auth-service"].expose).toContain(String(opsPort));
    const ports = [...walk(envoy)].filter((o) => typeof o.port_value === "number").map((o) => o.port_value);
    expect(ports).not.toContain(opsPort);
    // The image keeps it on loopback unless a deployment opens it, as compose does for its network.
    expect(dockerEnv().SERVER__OPS_HOST).toBeUndefined();
  });

  it("the service believes X-Forwarded-For only from Envoy's fixed address", () => {
    const envoyIp = compose.services.envoy.networks.backend.ipv4_address;
    expect(loadConfig({ SERVER__TRUSTED_PROXIES: appEnv().SERVER__TRUSTED_PROXIES }).server.trustedProxies).toEqual([envoyIp]);
    const subnet: string = compose.networks.backend.ipam.config[0].subnet;
    expect(envoyIp.startsWith(subnet.split(".").slice(0, 3).join("."))).toBe(true);
  });
});

describe("compose and Dockerfile", () => {
  it("sets only variables src/config.ts knows, with values it accepts", () => {
    const sets: Record<string, string>[] = [compose.services["auth-service"].environment, compose.services.migrate.environment];
    // The image's production settings need the encryption key, which is given at run time.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose-style placeholder, not a JS template.
    sets.push({ ...dockerEnv(), CRYPTO__ENCRYPTION_KEY: "${CRYPTO__ENCRYPTION_KEY:?given at run time}" });
    for (const set of sets) {
      const env = Object.fromEntries(Object.entries(set).map(([k, v]) => [k, interpolate(String(v))]));
      const config = loadConfig(env) as unknown as Record<string, Record<string, unknown>>;
      for (const key of Object.keys(env).filter((k) => k.includes("__"))) {
        const [section, field] = key.split("__").map((p) => p.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
        expect(config[section!]?.[field!], `${key} is not a setting of src/config.ts`).not.toBeUndefined();
      }
    }
  });

  it("bind every interface only as production, so a forgotten setting fails instead of running open", () => {
    const sets: [string, Record<string, string>][] = [
      ["compose auth-service", compose.services["auth-service"].environment],
      ["compose migrate", compose.services.migrate.environment],
      ["Dockerfile", dockerEnv()],
    ];
    for (const [name, set] of sets) {
      const hosts = [set.SERVER__HOST ?? "127.0.0.1", set.SERVER__OPS_HOST ?? "127.0.0.1"];
      if (hosts.some((h) => !isLoopbackHost(String(h)))) expect(set.SERVER__ENVIRONMENT, name).toBe("production");
    }
    expect(dockerEnv().SERVER__HOST).toBe("0.0.0.0");
    // The image alone does not start: production wants the key that seals the signing keys.
    let problems: string[] = [];
    try {
      loadConfig(dockerEnv());
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((p) => p.split(":")[0])).toEqual(["CRYPTO__ENCRYPTION_KEY"]);
    // And the same image with the environment forgotten refuses the wildcard bind.
    const { SERVER__ENVIRONMENT: _dropped, ...forgotten } = dockerEnv();
    expect(() => loadConfig(forgotten)).toThrow(/SERVER__HOST: .*SERVER__ENVIRONMENT=production/);
  });

  it("runs PostgreSQL, Redis, a one-shot migration, two replicas after it, and Envoy in front", () => {
    const s = compose.services;
    expect(Object.keys(s)).toEqual(expect.arrayContaining(["postgres", "redis", "migrate", "auth-service", "envoy"]));
    expect(s.migrate.command.join(" ")).toBe("npm run db:migrate");
    expect(JSON.parse(read("package.json")).scripts["db:migrate"]).toBeDefined();
    expect(s.migrate.restart).toBe("no");
    expect(s["auth-service"].deploy.replicas).toBe(2);
    expect(s["auth-service"].depends_on.migrate.condition).toBe("service_completed_successfully");
    expect(s.envoy.depends_on["auth-service"].condition).toBe("service_healthy");
    expect(s.migrate.image).toBe(s["auth-service"].image);
    // Only Envoy is published.
    expect(
      Object.entries(s)
        .filter(([, v]: [string, Any]) => v.ports)
        .map(([k]) => k),
    ).toEqual(["envoy"]);
  });

  it("builds in stages, installs with the lockfile (not npm ci) and runs as a non-root user", () => {
    const stages = dockerfile.filter((i) => i.op === "FROM");
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runs = dockerfile.filter((i) => i.op === "RUN").map((i) => i.args);
    expect(runs.some((r) => /npm install\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /npm ci\b/.test(r))).toBe(false);
    const final = Math.max(...dockerfile.map((i) => i.stage));
    const user = dockerfile.filter((i) => i.op === "USER" && i.stage === final).at(-1)?.args;
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    // The compiled output, as `npm start` runs it: no TypeScript loader at run time.
    expect(dockerfile.find((i) => i.op === "CMD" && i.stage === final)?.args).toContain("dist/main.js");
    expect(dockerfile.some((i) => i.op === "RUN" && /npm run build/.test(i.args))).toBe(true);
  });
});

describe("the container health check uses gRPC health", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("is the same command in the Dockerfile and compose, and asks grpc.health.v1", () => {
    const healthcheck = dockerfile.find((i) => i.op === "HEALTHCHECK")?.args ?? "";
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf("CMD") + 3).trim()) as string[];
    expect(compose.services["auth-service"].healthcheck.test).toEqual(["CMD", ...command]);
    const script = command.find((c) => c.endsWith(".ts"))!;
    expect(read(script)).toMatch(/grpc-health-check/);
  });

  it("exits 0 against a SERVING instance and 1 against none", async () => {
    // Asynchronously: the server under test runs in this very process.
    const run = (port: number) =>
      new Promise<{ status: number; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "scripts/healthcheck.ts"],
          { cwd: ROOT, env: { PATH: process.env.PATH ?? "", SERVER__GRPC_PORT: String(port) }, timeout: 15_000 },
          (error, stdout) => resolve({ status: error ? Number(error.code ?? -1) : 0, stdout }),
        );
      });
    const up = await run(server.port);
    expect(up.stdout).toContain("SERVING");
    expect(up.status).toBe(0);
    expect((await run(1)).status).toBe(1);
  });
});
