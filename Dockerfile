# syntax=docker/dockerfile:1
# relstorage-packer image:
#   docker build -t relstorage-packer:0.1.0 --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
# Runs as uid/gid 10001 with a read-only root file system: only /tmp must be writable (an emptyDir in
# the Helm chart). Configuration: /app/config/application.yml (Spring Boot reads ./config/ of its
# working directory) or SPRING_* / PACKER_* environment variables.

# Build with the Maven wrapper (CI runs the tests), then split the Spring Boot jar into its layers so
# that a code change rebuilds only the small application layer. Extracted (a plain jar beside lib/), it
# starts faster than the nested jar: the launcher opens no jar inside a jar.
FROM eclipse-temurin:17-jdk-noble AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml application.yml ./
COPY src src
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -DskipTests -Dspotless.check.skip=true package \
    && java -Djarmode=tools -jar target/relstorage-packer.jar extract --layers --destination /layers

FROM eclipse-temurin:17-jre-noble
ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown
LABEL org.opencontainers.image.title="relstorage-packer" \
      org.opencontainers.image.description="Continuous garbage collection for ZODB databases stored by RelStorage (history-free, PostgreSQL)" \
      org.opencontainers.image.licenses="BSD-2-Clause" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/eclipse-temurin:17-jre-noble"
# The home directory is /tmp: the only writable place, should any library look for user.home.
RUN groupadd --gid 10001 packer \
    && useradd --uid 10001 --gid 10001 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin packer
WORKDIR /app
# Least to most often changed, as listed in the jar's BOOT-INF/layers.idx.
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
# Class-data sharing: a training run (the daemon's context, refreshed and left at once; no database is
# reached) archives the classes it loaded, and every start maps them instead of loading and verifying
# them: the daemon and the commands (pack from a CronJob) start in about half the time. The archive is
# written here, at build time, by this image's JVM; a JVM that cannot use it ignores it.
RUN java -XX:ArchiveClassesAtExit=relstorage-packer.jsa -Dspring.context.exit=onRefresh \
        -jar relstorage-packer.jar --spring.datasource.url=jdbc:postgresql://127.0.0.1:1/training >/dev/null
USER 10001:10001
# 8080: status page and API (server.port); 8081: Actuator, probes and Prometheus (management.server.port).
EXPOSE 8080 8081
# Heap from the container's memory limit; die on OOM so Kubernetes restarts the pod; every file the
# JVM may write (temporary files, Tomcat's work directory, crash logs, heap dumps) goes to /tmp. The
# class-data archive is only read.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:ErrorFile=/tmp/hs_err_pid%p.log -XX:HeapDumpPath=/tmp -Djava.io.tmpdir=/tmp"
ENTRYPOINT ["java", "-XX:SharedArchiveFile=relstorage-packer.jsa", "-jar", "relstorage-packer.jar"]
