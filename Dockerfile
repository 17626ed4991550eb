# syntax=docker/dockerfile:1
# Production image: runs against an external PostgreSQL (DATABASE_URL + KEY_PEPPER). The embedded database is an
# optional dependency for local starts only and is left out here. The image runs the compiled dist/: no TypeScript,
# no loader, no dev dependencies.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Optional dependencies stay in this stage: TypeScript's compiler is a native binary installed as one. Scripts run
# below, once the sources are in (`prepare` would build before they are copied).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/tmp/harvest-keys \
    AUTHZ_PORT=3001 \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root db/migrations ./db/migrations
# The code is owned by root and read-only to the service user; it runs unprivileged.
USER node
EXPOSE 3000 3001
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
