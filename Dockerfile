# Marquee in one container. The build stage runs the same `make dist` as
# everywhere else; the final image holds exactly dist/: the binary and site/.

FROM node:22-bookworm AS node

FROM rust:1.96-bookworm AS build
# Node for Tailwind and wasm-opt (binaryen), from the official Node image.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV MARQUEE_TOOLS_DIR=/opt/marquee-tools
WORKDIR /src
# Tools first, so they stay cached while the sources change.
COPY rust-toolchain.toml Cargo.lock package.json package-lock.json ./
COPY scripts/setup.sh scripts/setup.sh
RUN scripts/setup.sh build
COPY . .
RUN make dist

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/marquee --create-home marquee
COPY --from=build /src/dist/ /opt/marquee/
USER marquee
WORKDIR /var/lib/marquee
# Listen on all interfaces inside the container; data under the volume.
ENV LEPTOS_SITE_ADDR=0.0.0.0:3000 \
    MARQUEE_DATA_DIR=/var/lib/marquee/data \
    MARQUEE_ENV=production
VOLUME ["/var/lib/marquee/data"]
EXPOSE 3000
ENTRYPOINT ["/opt/marquee/marquee"]
