# otelcol-ccdash container image (used by deploy/observability/docker-compose.yml).
#   docker build -t otelcol-ccdash:dev .
# Build stage: the same flags as the Makefile, static binary (no cgo: SQLite is
# modernc.org/sqlite, PostgreSQL is pgx).
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath"
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -ldflags="-s -w" -o /out/otelcol-ccdash ./cmd/otelcol-ccdash \
 && mkdir -p /out/data \
 && chmod 1777 /out/data

# Runtime: distroless static, non-root. The data directory (read checkpoints)
# is world-writable with the sticky bit so the container may run as the uid
# that owns ~/.claude (compose sets user: CCDASH_UID:CCDASH_GID).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/otelcol-ccdash /otelcol-ccdash
COPY --from=build /out/data /var/lib/otelcol-ccdash
COPY deploy/observability/collector/ /etc/otelcol-ccdash/
ENV CCDASH_DATA_DIR=/var/lib/otelcol-ccdash \
    CLAUDE_CONFIG_DIR=/claude
# 8899 analytics API, 9464 Prometheus metrics, 8888 the collector's own metrics.
EXPOSE 8899 9464 8888
VOLUME ["/var/lib/otelcol-ccdash"]
ENTRYPOINT ["/otelcol-ccdash"]
CMD ["--config=/etc/otelcol-ccdash/config.yaml", "--config=/etc/otelcol-ccdash/local.yaml"]
