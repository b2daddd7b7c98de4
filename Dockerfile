# The dcswarm image, built from source on Debian bookworm (for machines that
# can pull debian:bookworm-slim; `make image` makes the same image without
# pulling anything).  Run it with deploy/dcswarm-stack.yml.
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config libevent-dev \
      libjansson-dev libyaml-dev libcurl4-openssl-dev libssl-dev libwslay-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make dcswarm && ./dcswarm --version

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libevent-2.1-7 libevent-pthreads-2.1-7 \
      libjansson4 libyaml-0-2 libcurl4 libssl3 libwslay1 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/dcswarm /usr/local/bin/dcswarm
COPY --from=build /src/man/dcswarm.1 /usr/local/share/man/man1/dcswarm.1
ENV DCSWARM_LISTEN=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --retries=3 \
  CMD ["/usr/local/bin/dcswarm", "health", "--timeout", "4"]
ENTRYPOINT ["/usr/local/bin/dcswarm"]
CMD ["serve"]
