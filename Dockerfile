# es-rolling-upgrade: the CLI (plan, run, serve) on Node 24.
#   docker build --build-arg REVISION=$(git rev-parse HEAD) -t es-rolling-upgrade .
#   docker run --rm -e ESRU_ES_URL=... -e AWS_REGION=... es-rolling-upgrade plan --target-version 9.5.4
#   docker run -d -p 8080:8080 -e ESRU_SERVICE_TOKEN=... -e ESRU_ES_URL=... -e AWS_REGION=... es-rolling-upgrade serve
# Reproducible: a base pinned by digest, installs from package-lock.json only (npm ci).

# node:24-slim (Node 24.19.0 on Debian bookworm) as published on 3 Aug 2026: the multi-platform index
# digest listed for that tag in docker-library/repo-info (repos/node/remote/24-slim.md). To move it:
# `docker buildx imagetools inspect node:24-slim` and take the top-level Digest.
ARG NODE_IMAGE=node:24-slim@sha256:cd84903a12dbd26b46f1f3b8144a2568c41c5d37ddd0c7a80a34c7a19786b35f

# Compile TypeScript with the full (dev) dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsc through the image's own node: the "node" dev dependency is not installed (--ignore-scripts).
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

# The docker-compose sandbox's fleet helper (deploy/compose/fleet.ts): the proving ground's fleet
# code run by Node directly. Not part of the released image.
FROM build AS sandbox-tools
COPY sandbox ./sandbox
COPY deploy/compose ./deploy/compose
ENTRYPOINT ["node", "deploy/compose/fleet.ts"]

# The released image: production dependencies and the compiled CLI, run as the unprivileged `node`.
FROM ${NODE_IMAGE} AS runtime
# VERSION is package.json's (test/deploy/compose.test.ts holds them together); REVISION is the commit
# and SOURCE the repository's URL, given at build time.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=
LABEL org.opencontainers.image.title="es-rolling-upgrade" \
      org.opencontainers.image.description="Safe, one-node-at-a-time rolling upgrade of a self-managed Elasticsearch cluster on AWS EC2 Auto Scaling Groups" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    ESRU_SERVICE_HOST=0.0.0.0 \
    ESRU_SERVICE_PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY LICENSE ./
COPY bin ./bin
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
# Probes /healthz only when the container serves (`serve` among the arguments of PID 1, the CLI or an
# init in front of it); a one-off plan or run, which can take hours, is healthy while it runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const args = require('fs').readFileSync('/proc/1/cmdline', 'utf8').split(String.fromCharCode(0)); if (!args.includes('serve')) process.exit(0); fetch('http://127.0.0.1:' + (process.env.ESRU_SERVICE_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/es-rolling-upgrade.js"]
CMD ["--help"]
