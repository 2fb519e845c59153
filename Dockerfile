# syntax=docker/dockerfile:1
# auth-service: gRPC on 50051, the REST gateway and /healthz /readyz on 8080, /metrics on the
# operators' listener (9090, loopback unless SERVER__OPS_HOST opens it, as docker-compose.yml does).
#
# The image runs as production: it binds every interface, which the service allows only with
# SERVER__ENVIRONMENT=production, and production refuses to start without CRYPTO__ENCRYPTION_KEY
# (pass it at run time: `docker run -e CRYPTO__ENCRYPTION_KEY=... auth-service:local`).
#
#   docker build -t auth-service:local .
#
# Three stages: production dependencies (native argon2 included); a build of src/ to dist/ with
# the dev dependencies (tsc), as `npm start` builds it; the runtime stage gets only production
# node_modules and the compiled output, and runs `node dist/main.js` as the unprivileged `node`
# user (the health check script still runs through tsx, a production dependency).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
COPY package.json package-lock.json ./
# `npm ci` fails with our lockfile (it lacks buf's packages for other platforms, a dev
# dependency); `npm install` honours the committed lockfile for everything that is installed.
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    SERVER__ENVIRONMENT=production \
    SERVER__HOST=0.0.0.0 \
    SERVER__GRPC_PORT=50051 \
    SERVER__HTTP_PORT=8080 \
    SERVER__OPS_PORT=9090 \
    MALLOC_MMAP_THRESHOLD_=131072
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json package-lock.json tsconfig.json ./
COPY --chown=node:node prisma ./prisma
COPY --chown=node:node scripts ./scripts
COPY --chown=node:node src ./src
COPY --from=build --chown=node:node /app/dist ./dist
# The descriptor set (`npm run gen`) where src/adapters/grpc/descriptors.ts reads it: reflection
# and the REST gateway need it; the same file is mounted into Envoy by docker-compose.yml.
COPY --chown=node:node src/gen/descriptor.binpb ./src/gen/descriptor.binpb
USER node
EXPOSE 50051 8080
# grpc.health.v1 Check(""): healthy only while SERVING (as Envoy's active health check sees it).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "--import", "tsx", "scripts/healthcheck.ts"]
# SIGTERM drains: NOT_SERVING, in-flight calls finish, exit 0 (SERVER__SHUTDOWN_TIMEOUT_SECONDS).
STOPSIGNAL SIGTERM
# glibc: return argon2's large per-thread buffers to the system (MALLOC_MMAP_THRESHOLD_ above).
CMD ["node", "dist/main.js"]
