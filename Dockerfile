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
# Two stages: dependencies are installed (native argon2 included) in the first; the runtime
# stage gets only production node_modules and the sources, and runs as the unprivileged `node`
# user. The service runs its TypeScript through tsx, as `npm start` does.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
COPY package.json package-lock.json ./
# `npm ci` fails with our lockfile (it lacks buf's packages for other platforms, a dev
# dependency); `npm install` honours the committed lockfile for everything that is installed.
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    SERVER__ENVIRONMENT=production \
    SERVER__HOST=0.0.0.0 \
    SERVER__GRPC_PORT=50051 \
    SERVER__HTTP_PORT=8080 \
    SERVER__OPS_PORT=9090
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json package-lock.json tsconfig.json ./
COPY --chown=node:node prisma ./prisma
COPY --chown=node:node scripts ./scripts
COPY --chown=node:node src ./src
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
CMD ["node", "--import", "tsx", "src/main.ts"]
