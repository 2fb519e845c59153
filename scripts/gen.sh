#!/usr/bin/env bash
# Regenerates everything derived from the contracts and the schema. The output is committed;
# CI re-runs this and fails if `git diff` shows drift.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_loglevel=error

npx buf lint
# TypeScript messages + grpc-js service definitions (ts-proto), into src/gen/pb.
npx buf generate
# One descriptor set (with imports and source info) read by reflection, the REST gateway,
# Envoy's grpc_json_transcoder and the OpenAPI generator.
mkdir -p src/gen
npx buf build --as-file-descriptor-set -o src/gen/descriptor.binpb
# OpenAPI 3.1 of the REST face, from that descriptor set (served at /openapi.json and /docs).
npx tsx scripts/gen-openapi.ts >/dev/null
# Prisma client, into src/gen/prisma.
if [ -f scripts/gen-prisma.sh ]; then bash scripts/gen-prisma.sh; fi
