# The Node gateway as a container: `pnpm build`'s one-file server (apps/node/dist/server.mjs) on
# Node 20, run as the unprivileged `node` user. The image holds that file and Node, nothing else;
# the config comes in as a file (THINKGATE_CONFIG), secrets as environment variables.
# Build: docker build -t thinkgate .   Run: see compose.yaml and docs/deploy.md.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
# Only the Node app and the workspace packages it uses (no Workers or browser tooling).
RUN npx -y pnpm@10.34.9 install --frozen-lockfile --filter "@thinkgate/node..." \
 && npx -y pnpm@10.34.9 --filter @thinkgate/node run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=8787 \
    THINKGATE_CONFIG=/etc/thinkgate/config.json
WORKDIR /app
COPY --from=build /src/apps/node/dist/server.mjs /app/server.mjs
USER node
EXPOSE 8787
# Liveness only (/healthz); orchestrators that route traffic should also probe /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains streams for SHUTDOWN_GRACE_MS (default 10 s): keep the stop timeout above it.
STOPSIGNAL SIGTERM
CMD ["node", "server.mjs"]
