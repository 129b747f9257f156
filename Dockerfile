# sinyal: build with the README's commands (npm ci, npm run build), run `node dist/src/cli.js`.
# docker build -t sinyal . && docker run -p 4000:4000 sinyal

FROM node:20-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-alpine
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/drizzle ./drizzle
# Non-root; /data holds the embedded PGlite database when DATABASE_URL is not set.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
# /health answers 200 while the process serves (also when `degraded`: local calls go on).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Direct `node` (not npm) so SIGTERM reaches sinyal and shutdown is graceful.
CMD ["node", "dist/src/cli.js"]
