# syntax=docker/dockerfile:1
# Build: docker build -t relstorage-packer .
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml application.yml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src src
RUN ./mvnw -B -q -DskipTests package \
    && java -Djarmode=tools -jar target/relstorage-packer.jar extract --layers --launcher --destination /layers

FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="relstorage-packer" \
      org.opencontainers.image.description="Continuous garbage collection for RelStorage history-free databases" \
      org.opencontainers.image.licenses="BSD-2-Clause"
RUN groupadd --system --gid 10001 packer && useradd --system --uid 10001 --gid packer --no-create-home packer
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER 10001:10001
EXPOSE 8080 8081
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
