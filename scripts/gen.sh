#!/usr/bin/env bash
# Regenerates everything derived from the contracts and the schema. The output is committed;
# CI re-runs this and fails if `git diff` shows drift.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_loglevel=error

# Lint first, so nothing is generated from a contract that breaks the style rules. CI sets
# GEN_SKIP_PROTO_LINT=1: it runs `npm run lint:proto` as a check of its own, which names the
# real problem, and linting again here would only repeat it as "generated code is stale".
if [ "${GEN_SKIP_PROTO_LINT:-}" != 1 ]; then npm run --silent lint:proto; fi
# TypeScript messages + grpc-js service definitions (ts-proto), into src/gen/pb.
npx buf generate
# One descriptor set (with imports and source info) read by reflection, the REST gateway,
# Envoy's grpc_json_transcoder and the OpenAPI generator.
mkdir -p src/gen
npx buf build --as-file-descriptor-set -o src/gen/descriptor.binpb
# OpenAPI 3.1 of the REST face, from that descriptor set (served at /openapi.json and /docs).
npx tsx scripts/gen-openapi.ts >/dev/null
# Prisma client, into src/gen/prisma (unconditionally: a missing script must fail the run,
# not leave a stale client behind).
bash scripts/gen-prisma.sh
