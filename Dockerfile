# Build and run policygraph: a static-ish binary on a slim Debian base.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY migrations ./migrations
COPY assets ./assets
# Cargo.toml declares the benchmark target; its file must be present for the manifest to load.
COPY benches ./benches
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN useradd --system --home /data policygraph && mkdir -p /data && chown policygraph /data
COPY --from=build /src/target/release/policygraph /usr/local/bin/policygraph
COPY seeds /app/seeds
USER policygraph
WORKDIR /data
ENV DATABASE_URL=/data/policygraph.db \
    POLICYGRAPH_SEEDS=/app/seeds \
    POLICYGRAPH_LISTEN=0.0.0.0:8080 \
    POLICYGRAPH_HEALTHCHECK_URL=http://127.0.0.1:8080/readyz \
    RUST_LOG=policygraph=info
EXPOSE 8080
# The binary probes itself: the slim image has no curl. /readyz checks the store too.
HEALTHCHECK --interval=30s --timeout=5s CMD ["policygraph", "healthcheck"]
ENTRYPOINT ["policygraph"]
CMD ["serve"]
