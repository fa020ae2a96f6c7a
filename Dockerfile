# syntax=docker/dockerfile:1
#
# The customers-and-todos service as a container image:
#
#   docker build -t customers-todos .
#   docker run --rm -p 8000:8000 -e DATABASE_URL=postgres://user:pass@host:5432/db customers-todos
#
# The build needs network access: crates.io for the crates, and registry.npmjs.org for the
# pinned Swagger UI / ReDoc / GraphiQL tarballs that api/build.rs downloads and checks against
# their sha512 checksums. The running container needs neither.

# ---------------------------------------------------------------------------------------------
# Build stage: both binaries in release mode, from the committed Cargo.lock.
FROM rust:1-bookworm AS build
WORKDIR /src

# Where build.rs keeps the downloaded npm tarballs (a cache mount below keeps them between
# builds; a cached tarball is re-verified before use).
ENV WEB_ASSETS_CACHE_DIR=/var/cache/customers-todos/npm

COPY . .

# The cache mounts keep the crate downloads and the compiled dependencies between builds. The
# target folder is a cache mount, so the binaries are copied out of it in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    --mount=type=cache,target=/var/cache/customers-todos/npm \
    cargo build --release --locked -p api -p migration \
 && mkdir -p /out \
 && cp target/release/customers-todos target/release/migration /out/

# ---------------------------------------------------------------------------------------------
# Runtime stage: the two binaries on a slim Debian, run as an unprivileged user.
FROM debian:bookworm-slim AS runtime

# The system's CA bundle (the PostgreSQL driver carries Mozilla's roots itself; this serves
# `sslrootcert=/etc/ssl/certs/...` and anything else run in the container), and the user.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /app \
        --shell /usr/sbin/nologin app

# `customers-todos` is the service; `migration` is the migration CLI
# (`docker compose run --rm api migration status`).
COPY --from=build /out/customers-todos /out/migration /usr/local/bin/

USER app
# The working folder is the user's own, so that the default SQLite file (used when neither
# DATABASE_URL nor DB_* is set) can be created; mount a volume here to keep it.
WORKDIR /app

# Listen on every interface inside the container; everything else is configured at run time
# (see README.md, "Configuration").
ENV HOST=0.0.0.0 \
    PORT=8000
EXPOSE 8000

# SIGTERM (docker stop) makes the service stop accepting, finish in-flight requests, close
# the pool and exit 0.
STOPSIGNAL SIGTERM
CMD ["customers-todos"]
