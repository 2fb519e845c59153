/**
 * The dependency rule (architecture.md): domain imports nothing of ours and no I/O library;
 * application imports only domain; adapters never import the composition root; only
 * container.ts (with its builders in composition/) and main.ts wire adapters together; the
 * gRPC and HTTP adapters share code only through adapters/transport. A small import scan
 * keeps it honest.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "gen" ? [] : sources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+["']([^"']+)["']/gm), ...text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)].map((m) => m[1]!);
}

/** The layer of a relative import target, resolved from the importing file. */
function layerOf(from: string, spec: string): string {
  if (!spec.startsWith(".")) return `pkg:${spec}`;
  const target = relative(SRC, join(from, "..", spec));
  return target.split("/")[0]!.replace(/\.js$/, "");
}

const files = sources(SRC).map((f) => ({ file: relative(SRC, f), layer: relative(SRC, f).split("/")[0]!, deps: imports(f).map((s) => layerOf(f, s)) }));

/** The file (relative to src/) of every relative import of `file`. */
function importedFiles(file: string): string[] {
  const from = join(SRC, file);
  return imports(from)
    .filter((s) => s.startsWith("."))
    .map((s) => relative(SRC, join(from, "..", s)));
}

describe("dependency rule", () => {
  it("finds the source files", () => {
    expect(files.filter((f) => f.layer === "domain").length).toBeGreaterThan(3);
    expect(files.filter((f) => f.layer === "application").length).toBeGreaterThan(10);
  });

  it("domain imports nothing of ours outside domain, and no I/O or framework package", () => {
    for (const f of files.filter((x) => x.layer === "domain")) {
      for (const d of f.deps) {
        expect(d === "domain" || (d.startsWith("pkg:") && !/grpc|prisma|ioredis|pino|pg$|node:(fs|net|http)/.test(d)), `${f.file} → ${d}`).toBe(true);
      }
    }
  });

  it("application imports only domain and application", () => {
    for (const f of files.filter((x) => x.layer === "application")) {
      for (const d of f.deps) {
        expect(["domain", "application"].includes(d) || (d.startsWith("pkg:node:") && d !== "pkg:node:fs"), `${f.file} → ${d}`).toBe(true);
      }
    }
  });

  it("adapters never import the composition root (container.ts and its builders in composition/) or main", () => {
    for (const f of files.filter((x) => x.layer === "adapters")) {
      for (const d of f.deps) expect(["container", "composition", "main"].includes(d), `${f.file} → ${d}`).toBe(false);
    }
  });

  it("only adapters/grpc/status.ts picks gRPC status codes", () => {
    for (const f of files) {
      if (f.file === "adapters/grpc/status.ts") continue;
      const text = readFileSync(join(SRC, f.file), "utf8");
      expect(/status\.(UNAUTHENTICATED|INVALID_ARGUMENT|NOT_FOUND|INTERNAL|UNAVAILABLE|PERMISSION_DENIED)|Code\.[A-Z_]+/.test(text), f.file).toBe(false);
    }
  });

  it("the gRPC and HTTP adapters meet only in adapters/transport, never in each other's files", () => {
    // The gateway renders gRPC statuses, so it reads the one status table (style rule 1):
    // that module, and nothing else of adapters/grpc, is open to adapters/http.
    const SHARED_WITH_HTTP = new Set(["adapters/grpc/status.js"]);
    expect(files.filter((x) => /^adapters\/(http|grpc|transport)\//.test(x.file)).length).toBeGreaterThan(20);
    for (const f of files.filter((x) => x.file.startsWith("adapters/http/"))) {
      for (const t of importedFiles(f.file)) {
        expect(!t.startsWith("adapters/grpc/") || SHARED_WITH_HTTP.has(t), `${f.file} → ${t}`).toBe(true);
      }
    }
    for (const f of files.filter((x) => x.file.startsWith("adapters/grpc/"))) {
      for (const t of importedFiles(f.file)) expect(t.startsWith("adapters/http/"), `${f.file} → ${t}`).toBe(false);
    }
    for (const f of files.filter((x) => x.file.startsWith("adapters/transport/"))) {
      for (const t of importedFiles(f.file)) expect(/^adapters\/(grpc|http)\//.test(t), `${f.file} → ${t}`).toBe(false);
    }
  });
});
