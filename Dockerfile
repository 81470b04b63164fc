# The hookrelay binary in a small image, run as a non-root user.
#   docker build -t hookrelay --build-arg GIT_COMMIT=$(git rev-parse --short HEAD) .
#   docker run -p 8080:8080 -v hookrelay-data:/var/lib/hookrelay hookrelay
#   docker exec <container> hookrelay project create --name acme
# deploy/compose.yaml runs two nodes on PostgreSQL.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# Shown as hookrelay_build_info{commit=...} (an ARG is in the build's environment).
ARG GIT_COMMIT=unknown
RUN cargo build --locked --profile dist --bin hookrelay

FROM debian:bookworm-slim
# curl for the health check; TLS roots are built into the binary.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/hookrelay --create-home hookrelay \
 && chmod 0700 /var/lib/hookrelay
COPY --from=build /src/target/dist/hookrelay /usr/local/bin/hookrelay
USER hookrelay
# The data directory holds the SQLite database and the generated encryption
# key; operator commands run in the container (docker exec) find it here.
ENV HOOKRELAY_DATA_DIR=/var/lib/hookrelay \
    HOOKRELAY_LISTEN=0.0.0.0:8080
VOLUME /var/lib/hookrelay
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["hookrelay"]
CMD ["serve"]
