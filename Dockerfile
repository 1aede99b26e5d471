# The flash-sale server, any shape the Node server runs (embedded by default; compose.yaml runs the cluster shape).
# Node 24 runs the .ts sources as they are (type stripping): no build step, no dev dependencies at run time
# (test/unit/container-files.test.ts checks that src/ imports only what package.json lists in dependencies).
FROM node:24-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so that a change in src/ does not reinstall them. No runtime dependency has an install
# script (none is native: SQLite is node:sqlite), so none is run.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

COPY bin ./bin
COPY src ./src

# The data directory: the embedded shape's SQLite file and the local token issuer's signing key. Created here so
# that a named volume mounted on it starts out owned by the non-root user.
RUN mkdir -p /data && chown node:node /data
USER node
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=3000
EXPOSE 3000

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Flags go after the image name (or in compose's `command`): docker run flashsale --backend cluster --role api
ENTRYPOINT ["node", "src/runtime/node/main.ts"]
