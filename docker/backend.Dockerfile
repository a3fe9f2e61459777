# The moelab backend (Quarkus): model registry, quantization jobs with SSE progress, generation.
#   docker build -f docker/backend.Dockerfile -t moelab-backend .      (context: the repository root)
#   docker run -p 127.0.0.1:8080:8080 moelab-backend
# Build stage: the Maven wrapper builds core and backend (JDK 25, as on the CI machine).
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY core/ core/
COPY opencl/ opencl/
COPY backend/ backend/
COPY kernel-ext/ kernel-ext/
RUN ./mvnw -B -q -pl backend -am install -DskipTests

# Runtime: Debian (OpenBLAS from Debian, as ./moelab setup installs it) with the Temurin 25 runtime.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0-pthread curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=eclipse-temurin:25-jre /opt/java/openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:$PATH LD_PRELOAD=/opt/java/openjdk/lib/libjsig.so
RUN useradd --create-home --uid 1000 moelab
WORKDIR /opt/moelab
# moelab.home: the bundled teaching model and the calibration / evaluation text
COPY models/ models/
COPY data/ data/
COPY --from=build /src/backend/target/quarkus-app/ backend/
RUN mkdir -p /data && chown moelab /data
USER moelab
# The backend binds to loopback by default; inside a container it must listen on all interfaces (the port is
# published to the host's loopback only, in compose.yaml).
ENV MOELAB_HOME=/opt/moelab MOELAB_DATA_DIR=/data QUARKUS_HTTP_HOST=0.0.0.0 QUARKUS_HTTP_PORT=8080
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=30 \
  CMD curl -fsS http://127.0.0.1:8080/q/health/ready || exit 1
ENTRYPOINT ["java", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", \
            "--sun-misc-unsafe-memory-access=allow", "-XX:+UseParallelGC", "-XX:MaxRAMPercentage=75", \
            "-jar", "/opt/moelab/backend/quarkus-run.jar"]
