# Intake's container image, used by docker-compose.yml (cluster mode).
#
#   docker build -t intake .
#   docker run -p 8080:8080 -e KAFKA_BROKERS=kafka:9092 -e DATABASE_URL=postgres://... intake
#
# Without KAFKA_BROKERS / DATABASE_URL the same image runs standalone (embedded
# broker and embedded Postgres under /data), as `npm start` does on a laptop.
#
# The build copies only what the build needs (package files, tsconfigs, src/,
# migrations/), so a local node_modules/, dist/ or data/ never leaks into the image.

# ---------------------------------------------------------------------------
# build: full dependency tree, native addon, TypeScript → dist/
# ---------------------------------------------------------------------------
FROM node:20-bookworm AS build
WORKDIR /app

# node:20-bookworm already has python3, make and g++, which node-gyp needs for
# hnswlib-node (a native addon without prebuilt binaries).
COPY package.json package-lock.json ./
# npm 10 (the one in node:20) runs install scripts by default and ignores the
# "allowScripts" field, which exists for npm 11's script allow-list. The explicit
# rebuild is a safety net in case scripts were skipped; the require() proves the
# addon loads and answers before anything else is built on top of it.
RUN npm ci --no-audit --no-fund \
 && npm rebuild hnswlib-node \
 && node -e "const { HierarchicalNSW } = require('hnswlib-node'); const i = new HierarchicalNSW('l2', 2); i.initIndex(1); i.addPoint([0, 1], 0); if (i.searchKnn([0, 1], 1).neighbors[0] !== 0) process.exit(1);"

COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
# The web console's source: `npm run build` bundles it into dist/console/index.html.
COPY console ./console
# tsconfig.build.json also includes bench/; it is not copied, so only src/ and
# migrations/ are compiled (dist/src/main.js, dist/migrations/*.js).
RUN npm run build \
 && test -f dist/src/main.js \
 && npm prune --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------
# runtime: production node_modules (with the built addon) + dist/
# ---------------------------------------------------------------------------
# Same Debian release as the build stage, so the addon's glibc/libstdc++ match.
FROM node:20-bookworm-slim AS runtime
WORKDIR /app

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    INTAKE_DATA_DIR=/data

COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# /data holds indexes/ (HNSW checkpoints) and, in standalone mode, log/ and pg/.
# It is created here, owned by the unprivileged `node` user, so a named volume
# mounted on it starts out writable by that user.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]

EXPOSE 8080

# /health answers 503 when the log, the database or the consumers are down.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# main.ts drains consumers and checkpoints indexes on SIGTERM before exiting.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
