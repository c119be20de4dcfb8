# es-rolling-upgrade: the CLI (plan, run, serve) on Node 24.
#   docker build -t es-rolling-upgrade .
#   docker run --rm -e ESRU_ES_URL=... -e AWS_REGION=... es-rolling-upgrade plan --target-version 9.5.4
#   docker run -d -p 8080:8080 -e ESRU_SERVICE_TOKEN=... -e ESRU_ES_URL=... -e AWS_REGION=... es-rolling-upgrade serve
# Reproducible: a pinned base, installs from package-lock.json only (npm ci).

ARG NODE_IMAGE=node:24-slim

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
ENV NODE_ENV=production \
    ESRU_SERVICE_HOST=0.0.0.0 \
    ESRU_SERVICE_PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
# Meaningful for `serve`; a one-off plan/run exits long before the first check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ESRU_SERVICE_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/es-rolling-upgrade.js"]
CMD ["--help"]
