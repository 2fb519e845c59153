// Writes src/gen/openapi.json (OpenAPI 3.1) from the descriptor set, so the REST docs follow the
// .proto files: run by scripts/gen.sh after `buf build`. Deterministic output (CI diffs it).
//
//   npx tsx scripts/gen-openapi.ts [descriptor.binpb] [openapi.json]
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readAccessTable } from "../src/adapters/grpc/access-table.js";
import { DESCRIPTOR_SET_PATH, readDescriptorSet } from "../src/adapters/grpc/descriptors.js";
import { authPolicyOf } from "../src/adapters/grpc/server.js";
import { loadApi } from "../src/adapters/http/gateway/http-rules.js";
import { OPENAPI_PATH } from "../src/adapters/http/ops/docs.js";
import { buildOpenApi } from "./openapi/openapi.js";

const pkg = JSON.parse(readFileSync(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8")) as { version: string };
const input = process.argv[2] ?? DESCRIPTOR_SET_PATH;
const output = process.argv[3] ?? OPENAPI_PATH;

const descriptorSet = readDescriptorSet(input);
const access = readAccessTable(descriptorSet);
const doc = buildOpenApi(loadApi(descriptorSet), {
  title: "auth-service REST API",
  version: pkg.version,
  authPolicyOf,
  serviceAccessOf: (grpcPath) => access.get(grpcPath) ?? { serviceScope: "", roles: [] },
});
writeFileSync(output, `${JSON.stringify(doc, null, 2)}\n`);
const paths = Object.keys(doc.paths as object).length;
console.log(`wrote ${output} (${paths} paths)`);
