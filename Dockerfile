# Multi-stage image. The build stage runs the same steps as the README's commands:
# scripts/install-deps.sh, then the CMake release preset.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh
COPY . .
RUN cmake --preset release -DMOODGATE_BUILD_TESTS=OFF && cmake --build --preset release --target moodgate

FROM debian:12-slim AS runtime
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpistache0 libsoci-core4.0 libsoci-postgresql4.0 libsoci-sqlite3-4.0 libyaml-cpp0.7 \
      libspdlog1.10 libpq5 libsqlite3-0 libsodium23 libjwt0 libcurl4 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /srv/moodgate moodgate
WORKDIR /srv/moodgate
COPY --from=build /src/build/release/moodgate /usr/local/bin/moodgate
# Provider plugins, where the gateway looks relative to its executable.
COPY --from=build /src/build/release/providers/*.so /usr/local/lib/moodgate/providers/
COPY --from=build /src/config ./config
COPY --from=build /src/schema /usr/local/share/moodgate/schema
RUN mkdir -p var && chown moodgate var
USER moodgate
ENV MOODGATE_SCHEMA_DIR=/usr/local/share/moodgate/schema \
    MOODGATE_HOST=0.0.0.0
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["moodgate"]
CMD ["--config", "config/moodgate.yaml", "serve"]
