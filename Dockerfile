# casesd and casectl on Debian 12.
#   scripts/image: builds this with buildah (no daemon) and runs it with podman
#   docker build -t soc-cases .
#   docker run --rm -e CASES_DB=mysql://... -e CASES_LISTEN=0.0.0.0:50051 soc-cases
#   docker run --rm soc-cases migrate --db=mysql://...        (the Helm chart's migration Job)

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake pkg-config \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto libabsl-dev \
      libmysqlcppconn-dev libssl-dev libcpp-httplib-dev libcurl4-openssl-dev nlohmann-json3-dev libboost-dev zlib1g-dev \
      golang-github-gogo-googleapis-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY protos protos
COPY common common
COPY sql sql
COPY tenancy tenancy
COPY webhook webhook
COPY domain domain
COPY server server
COPY client client
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DCASES_BUILD_TESTS=OFF -DCASES_WEB=OFF \
 && cmake --build /build -j"$(nproc)" --target casesd casectl \
 && strip /build/server/casesd /build/client/casectl

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgrpc++1.51 libprotobuf32 libmysqlcppconn7v5 \
      libabsl20220623 libcpp-httplib0.11 libssl3 libcurl4 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin cases
COPY --from=build /build/server/casesd /build/client/casectl /usr/local/bin/
USER 10001:10001
ENV CASES_LISTEN=0.0.0.0:50051 CASES_METRICS_LISTEN=0.0.0.0:9464 CASES_HEALTH_LISTEN=0.0.0.0:8081 \
    CASES_HTTP_LISTEN=0.0.0.0:8080
EXPOSE 50051 8080 8081 9464
ENTRYPOINT ["/usr/local/bin/casesd"]
