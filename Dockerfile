# syntax=docker/dockerfile:1
#
# custops image: one image for every role. APP_ROLE=api serves HTTP on PORT; APP_ROLE=worker runs the
# outbox relay, queues and schedules and listens only on METRICS_PORT; APP_ROLE=all does both.
#
#   docker build -t custops .
#   docker run --rm -e DATABASE_URL=... -e REDIS_URL=... -e JWT_SECRET=... -p 3000:3000 custops

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: every dependency (dev included), needed to compile --------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# No telemetry or update checks during installs (they would only time out in an offline build anyway).
ENV SCARF_ANALYTICS=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci

# ---- build: tsc -p tsconfig.build.json -> dist/src and dist/migrations; the console -> dist/console ----
FROM deps AS build
# Only what the build reads (tsconfig.build.json's folders, the console's source and its build script);
# tests, bench and docs stay out of the image.
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY console ./console
COPY scripts/build-console.mjs ./scripts/build-console.mjs
RUN npm run build

# ---- runtime: production dependencies + compiled output only -----------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    APP_ROLE=api \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_PORT=9464 \
    SCARF_ANALYTICS=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
# dist/migrations must sit beside dist/src: the migrations glob is resolved relative to the compiled code.
COPY --from=build /app/dist ./dist
# Notification templates are read at run time (found by walking up from dist/).
COPY templates ./templates

# Files stay owned by root and read-only for the process: the service writes nothing to its own tree
# (logs go to stdout). "node" is the unprivileged user (uid 1000) that the official image ships.
# The one writable place is the local attachment store (STORAGE_DRIVER=local), meant to be a volume.
RUN mkdir -p /var/lib/custops/storage && chown node:node /var/lib/custops/storage
ENV STORAGE_DIR=/var/lib/custops/storage
USER node

EXPOSE 3000 9464

# The slim image has no curl, so node's own fetch does the probe. The worker role has no HTTP API, so
# for it the probe falls back to its metrics endpoint, which is served only once the app has booted.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const p=process.env;const u=p.APP_ROLE==='worker'?'http://127.0.0.1:'+(p.METRICS_PORT||9464)+'/metrics':'http://127.0.0.1:'+(p.PORT||3000)+'/health/live';fetch(u,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Run node directly (not npm start: that would rebuild, and npm does not forward SIGTERM reliably);
# main.js drains HTTP and jobs on SIGTERM within SHUTDOWN_TIMEOUT_MS.
CMD ["node", "dist/src/main.js"]
