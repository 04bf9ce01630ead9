# kproxy: a drop-in kube-proxy. Multi-stage: install the workspace's production dependencies, then run the
# daemon from its TypeScript sources on Node 24 (type stripping; no build step).
#   docker build -t kproxy .
#   docker run --net=host --privileged kproxy --kubeconfig /path --hostname-override "$(hostname)"

FROM node:24-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/ packages/
COPY apps/ apps/
# Host node_modules may be in the build context: start clean, then install only what runs (from the lock;
# `npm install` because the lock cannot list optional binaries the build registry may not serve).
RUN rm -rf node_modules packages/*/node_modules apps/*/node_modules \
 && npm install --omit=dev --ignore-scripts --no-audit --no-fund \
 && find packages apps -name '*.test.ts' -delete \
 && rm -rf packages/*/bench apps/*/bench packages/*/fixtures

FROM node:24-bookworm-slim
# The kernel tools kproxy drives (argv only): nft, conntrack, ip.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nftables conntrack iproute2 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/kproxy
COPY --from=deps /src /opt/kproxy
ENV NODE_ENV=production
# Logs on stderr, klog-like; SIGTERM finishes the current sync and exits 0, leaving rules in place.
STOPSIGNAL SIGTERM
# The V8 flags are apps/kproxy/node-flags.json (a test keeps the two equal): a 1 MB semi-space keeps the
# young generation from holding tens of MB during list bursts (see apps/harness/bench/watch-load.bench.ts).
ENTRYPOINT ["node", "--max-semi-space-size=1", "--conditions=@kproxy/source", "/opt/kproxy/apps/kproxy/src/main.ts"]
