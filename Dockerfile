# Build and run policygraph: a static-ish binary on a slim Debian base.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
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
    RUST_LOG=policygraph=info,tower_http=info
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["policygraph"]
CMD ["serve"]
