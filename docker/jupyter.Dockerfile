# Jupyter (Debian's packages) with the moelab kernel and the %moe-* magics; talks to the backend over HTTP.
#   docker build -f docker/jupyter.Dockerfile -t moelab-jupyter .      (context: the repository root)
#   docker run -p 127.0.0.1:8888:8888 -e MOELAB_BACKEND_URL=http://host:8080 moelab-jupyter
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY core/ core/
COPY opencl/ opencl/
COPY backend/ backend/
COPY kernel-ext/ kernel-ext/
RUN ./mvnw -B -q -pl kernel-ext -am install -DskipTests \
 && ./mvnw -B -q -pl kernel-ext dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp kernel-ext/target/moelab-kernel-ext-*.jar /out/lib/

# Runtime: Debian's Jupyter and a full JDK 25 (the kernel compiles cells with JShell, which needs javac).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel \
      jupyter-client curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=eclipse-temurin:25-jdk /opt/java/openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:$PATH
COPY --from=build /out/lib/ /opt/moelab/kernel/lib/
# The kernelspec: interrupts as messages (a JVM would die on SIGINT); the class path is the jar folder.
RUN mkdir -p /usr/local/share/jupyter/kernels/moelab \
 && printf '%s\n' '{' \
    '  "display_name": "moelab (Java)",' \
    '  "language": "java",' \
    '  "interrupt_mode": "message",' \
    '  "argv": ["/opt/java/openjdk/bin/java", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",' \
    '           "-Xmx1g", "-cp", "/opt/moelab/kernel/lib/*", "org.moelab.kernel.MoeKernel", "{connection_file}"]' \
    '}' > /usr/local/share/jupyter/kernels/moelab/kernel.json
RUN useradd --create-home --uid 1000 moelab
COPY --chown=moelab notebooks/ /home/moelab/notebooks/
USER moelab
WORKDIR /home/moelab/notebooks
# The kernel reads the backend's address from here (compose sets it to the backend service).
ENV MOELAB_BACKEND_URL=http://backend:8080
EXPOSE 8888
CMD ["jupyter", "notebook", "--no-browser", "--ip=0.0.0.0", "--port=8888", "--notebook-dir=/home/moelab/notebooks"]
