# syntax=docker/dockerfile:1
# Production image: runs against an external PostgreSQL (DATABASE_URL + KEY_PEPPER). The embedded database is an
# optional dependency for local starts only and is left out here.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/tmp/harvest-keys \
    AUTHZ_PORT=3001 \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root db ./db
COPY --chown=root:root src ./src
# The code is owned by root and read-only to the service user; it runs unprivileged.
USER node
EXPOSE 3000 3001
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
