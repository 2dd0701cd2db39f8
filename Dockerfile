# syntax=docker/dockerfile:1
# Custody server: a static binary on a distroless base, running as a non-root user, with the
# data directory (SQLite file and signing key) on a volume.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/custody ./cmd/custody \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/custody /usr/local/bin/custody
# The data directory belongs to the nonroot user (65532) so the server can write its files.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV CUSTODY_ADDR=0.0.0.0:8080 \
    CUSTODY_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/custody", "healthcheck", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/custody"]
CMD ["serve"]
