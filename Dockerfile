# syntax=docker/dockerfile:1
# rampart in a container: built with the Go toolchain, shipped as one static
# binary on distroless, as a non-root user. It holds itself to its own
# checks: `rampart scan Dockerfile` reports nothing above low (a test,
# TestOwnDockerfile, keeps it so).
#
#   docker build -t rampart .
#   docker run --rm -v "$PWD:/work" rampart scan .
#
# Both bases are pinned by digest (multi-arch index digests of golang:1.26
# and gcr.io/distroless/static:nonroot); update them with the tag, e.g.
# with Renovate or Dependabot, never by dropping the digest.
FROM --platform=$BUILDPLATFORM golang:1.26@sha256:3aff6657219a4d9c14e27fb1d8976c49c29fddb70ba835014f477e1c70636647 AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X github.com/rampart-k8s/rampart/internal/cli.Version=${VERSION}" \
      -o /out/rampart ./cmd/rampart

FROM gcr.io/distroless/static:nonroot@sha256:e2e927ec666bae08560abb3c55d0659eceabb657f56b6782ab500a9fc7f555e3
COPY --from=build /out/rampart /usr/local/bin/rampart
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/rampart"]
CMD ["--help"]
