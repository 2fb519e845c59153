#!/usr/bin/env bash
# Generates the Prisma client into src/gen/prisma, offline and reproducibly.
#
# Why the environment below:
# - Every Prisma CLI command first makes sure the native schema engine is present and tries
#   to download it when it is not; `generate` never runs it, so pointing
#   PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips the download (no internet here).
# - Telemetry/update checks and the "tip" banner are network calls or noise.
# - The output folder is wiped first so files from a previous schema cannot linger, which
#   together with a fixed schema makes two runs give byte-identical files.
set -euo pipefail

cd "$(dirname "$0")/.."

export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true}"
export CHECKPOINT_DISABLE=1
export PRISMA_HIDE_UPDATE_MESSAGE=1
export PRISMA_GENERATE_NO_HINTS=1
export PRISMA_DISABLE_WARNINGS=1

out=src/gen/prisma
rm -rf "$out"
node_modules/.bin/prisma generate --schema prisma/schema.prisma
echo "Prisma client written to $out"
