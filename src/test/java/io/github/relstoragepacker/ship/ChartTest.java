package io.github.relstoragepacker.ship;

import static io.github.relstoragepacker.ship.Node.at;
import static io.github.relstoragepacker.ship.Node.find;
import static io.github.relstoragepacker.ship.Node.list;
import static io.github.relstoragepacker.ship.Node.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import io.github.relstoragepacker.ship.Chart.Manifests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart, linted strictly and rendered by Helm for the default, the full and the CronJob
 * value sets: what reaches Kubernetes is checked, from the probes to the alert rules.
 */
class ChartTest {

    private static final String FULL = "values-full.yaml";
    private static final String CRONJOB = "values-cronjob.yaml";

    @TempDir
    Path scratch;

    @ParameterizedTest
    @ValueSource(strings = {"", FULL, CRONJOB})
    void lintsStrictlyWithoutFindings(String values) {
        LintResult result = Chart.lint(values.isEmpty() ? null : values, scratch);

        assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
        assertThat(result.getMessages())
                .filteredOn(m -> m.contains("[WARNING]") || m.contains("[ERROR]"))
                .isEmpty();
    }

    @Test
    void lintFailsWhenTheValuesBreakTheChart() {
        LintResult result = Chart.lint("values-broken.yaml", scratch);

        assertThat(result.isFailed()).isTrue();
        assertThat(result.getMessages()).anySatisfy(m -> assertThat(m).contains("existingClaim"));
    }

    @Test
    void defaultsRenderOnlyTheDaemon() {
        Manifests manifests = Chart.render(Map.of());

        assertThat(manifests.kinds()).containsExactly("ConfigMap", "Deployment", "Service", "ServiceAccount");
        assertThat(at(manifests.one("Deployment"), "spec", "replicas")).isEqualTo(1);
    }

    @Test
    void probesAskActuatorsHealthGroupsOnTheManagementPort() {
        Manifests manifests = Chart.render(Map.of());
        Map<String, Object> container = container(manifests.one("Deployment"));

        assertThat(at(container, "ports", "management", "containerPort")).isEqualTo(8081);
        assertThat(at(container, "ports", "http", "containerPort")).isEqualTo(8080);
        assertThat(at(container, "startupProbe", "httpGet")).isEqualTo(probe("/actuator/health/liveness"));
        assertThat(at(container, "livenessProbe", "httpGet")).isEqualTo(probe("/actuator/health/liveness"));
        assertThat(at(container, "readinessProbe", "httpGet")).isEqualTo(probe("/actuator/health/readiness"));
        int period = (Integer) at(container, "startupProbe", "periodSeconds");
        int failures = (Integer) at(container, "startupProbe", "failureThreshold");
        assertThat(period * failures)
                .as("seconds the initial index build may take")
                .isGreaterThanOrEqualTo(600);

        Map<String, Object> config = applicationYml(manifests);
        assertThat(at(config, "management", "server", "port")).isEqualTo(8081);
        assertThat(at(config, "server", "port")).isEqualTo(8080);
        assertThat(at(manifests.one("Service"), "spec", "ports", "management", "targetPort"))
                .isEqualTo("management");
    }

    @Test
    void portsMovedInValuesMoveTheConfigAndTheContainerTogether() {
        Manifests manifests = Chart.render(Map.of("ports.management", 9090, "config.management.server.port", 1234));

        assertThat(at(container(manifests.one("Deployment")), "ports", "management", "containerPort"))
                .isEqualTo(9090);
        assertThat(at(applicationYml(manifests), "management", "server", "port"))
                .as("the chart's port wins over config")
                .isEqualTo(9090);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", FULL, CRONJOB})
    void podsAreHardened(String values) {
        Manifests manifests = Chart.render(values.isEmpty() ? null : values, Map.of());
        Map<String, Object> pod = podSpec(manifests);

        assertThat(at(pod, "securityContext", "runAsNonRoot")).isEqualTo(true);
        assertThat((Integer) at(pod, "securityContext", "runAsUser")).isPositive();
        assertThat(at(pod, "securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
        assertThat(at(pod, "automountServiceAccountToken")).isEqualTo(false);
        Map<String, Object> container = map(pod, "containers", 0);
        Map<String, Object> security = map(container, "securityContext");
        assertThat(security)
                .containsEntry("runAsNonRoot", true)
                .containsEntry("readOnlyRootFilesystem", true)
                .containsEntry("allowPrivilegeEscalation", false)
                .containsEntry("privileged", false);
        assertThat(at(security, "capabilities", "drop")).isEqualTo(List.of("ALL"));
        assertThat(at(security, "seccompProfile", "type")).isEqualTo("RuntimeDefault");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", FULL, CRONJOB})
    void onlyTmpAndTheBlobDirectoryAreWritable(String values) {
        Manifests manifests = Chart.render(values.isEmpty() ? null : values, Map.of());
        Map<String, Object> pod = podSpec(manifests);

        List<Object> writable = list(pod, "containers", 0, "volumeMounts").stream()
                .filter(m -> !Boolean.TRUE.equals(((Map<?, ?>) m).get("readOnly")))
                .map(m -> (Object) ((Map<?, ?>) m).get("mountPath"))
                .toList();
        Object blobs = find(applicationYml(manifests), "packer", "collector", "blob-directory");
        assertThat(writable).containsExactlyElementsOf(blobs == null ? List.of("/tmp") : List.of("/tmp", blobs));
        assertThat(at(pod, "volumes", "tmp", "emptyDir", "sizeLimit")).isEqualTo("256Mi");
        assertThat(at(pod, "containers", 0, "volumeMounts", "config", "mountPath"))
                .as("Spring Boot reads ./config/application.yml from the image's WORKDIR /app")
                .isEqualTo("/app/config");
    }

    @Test
    void databaseCredentialsComeFromTheExistingSecret() {
        Map<String, Object> container = container(Chart.render(FULL, Map.of()).one("Deployment"));

        assertThat(at(container, "env", "SPRING_DATASOURCE_URL", "value"))
                .isEqualTo("jdbc:postgresql://postgres.plone:5432/plone");
        assertThat(at(container, "env", "SPRING_DATASOURCE_USERNAME", "valueFrom", "secretKeyRef"))
                .isEqualTo(Map.of("name", "plone-db", "key", "user"));
        assertThat(at(container, "env", "SPRING_DATASOURCE_PASSWORD", "valueFrom", "secretKeyRef"))
                .isEqualTo(Map.of("name", "plone-db", "key", "pass"));
    }

    @Test
    void databaseSecretDefaultsToTheReleasesName() {
        Map<String, Object> container = container(Chart.render(Map.of()).one("Deployment"));

        assertThat(at(container, "env", "SPRING_DATASOURCE_PASSWORD", "valueFrom", "secretKeyRef"))
                .isEqualTo(Map.of("name", Chart.FULLNAME + "-database", "key", "password"));
        assertThat(find(container, "env", "SPRING_DATASOURCE_URL"))
                .as("no empty URL: the app's own message says it is missing")
                .isNull();
        assertThat(find(container, "env", "PACKER_API_TOKEN")).isNull();
    }

    @Test
    void blobClaimIsMountedWithPlonesGroupAndNamedInTheConfig() {
        Manifests manifests = Chart.render(FULL, Map.of());
        Map<String, Object> pod = podSpec(manifests);

        assertThat(at(pod, "volumes", "blobs", "persistentVolumeClaim", "claimName"))
                .isEqualTo("plone-blobs");
        assertThat(map(pod, "containers", 0, "volumeMounts", "blobs"))
                .containsEntry("mountPath", "/data/blobs")
                .containsEntry("subPath", "blobstorage")
                .doesNotContainKey("readOnly");
        assertThat(at(applicationYml(manifests), "packer", "collector", "blob-directory"))
                .isEqualTo("/data/blobs");
        assertThat(at(pod, "securityContext", "fsGroup")).isEqualTo(500);
        assertThat(at(pod, "securityContext", "fsGroupChangePolicy"))
                .as("no recursive chown of the blob tree at every start")
                .isEqualTo("OnRootMismatch");
    }

    @Test
    void withoutBlobsNoVolumeAndNoBlobDirectory() {
        Manifests manifests = Chart.render(Map.of());

        assertThat(find(podSpec(manifests), "volumes", "blobs")).isNull();
        assertThat(find(applicationYml(manifests), "packer", "collector", "blob-directory"))
                .isNull();
    }

    @Test
    void operatorConfigReachesApplicationYml() {
        Map<String, Object> config = applicationYml(Chart.render(FULL, Map.of()));

        assertThat(at(config, "packer", "collector", "grace")).isEqualTo("48h");
        assertThat(at(config, "packer", "collector", "max-fence-hold")).isEqualTo("100ms");
        assertThat(at(config, "logging", "level", "io.github.relstoragepacker")).isEqualTo("DEBUG");
        assertThat(at(config, "packer", "api", "public-status")).isEqualTo(true);
    }

    @Test
    void checksumAnnotationFollowsTheConfig() {
        String before = checksum(Chart.render(Map.of("config.packer.collector.grace", "24h")));
        String again = checksum(Chart.render(Map.of("config.packer.collector.grace", "24h")));
        String after = checksum(Chart.render(Map.of("config.packer.collector.grace", "36h")));

        assertThat(before).matches("[0-9a-f]{64}").isEqualTo(again).isNotEqualTo(after);
    }

    @Test
    void apiTokenFromTheEnvironment() {
        Manifests manifests = Chart.render(FULL, Map.of());

        assertThat(at(container(manifests.one("Deployment")), "env", "PACKER_API_TOKEN", "valueFrom", "secretKeyRef"))
                .isEqualTo(Map.of("name", "packer-api", "key", "bearer"));
        assertThat(find(applicationYml(manifests), "packer", "api", "token-file"))
                .isNull();
        assertThat(find(podSpec(manifests), "volumes", "api-token")).isNull();
    }

    @Test
    void apiTokenFromAMountedFile() {
        Manifests manifests = Chart.render(FULL, Map.of("api.tokenFrom", "file"));
        Map<String, Object> pod = podSpec(manifests);

        assertThat(find(pod, "containers", 0, "env", "PACKER_API_TOKEN")).isNull();
        assertThat(at(pod, "volumes", "api-token", "secret", "secretName")).isEqualTo("packer-api");
        assertThat(map(pod, "containers", 0, "volumeMounts", "api-token"))
                .containsEntry("mountPath", "/var/run/secrets/relstorage-packer/api")
                .containsEntry("readOnly", true);
        assertThat(at(applicationYml(manifests), "packer", "api", "token-file"))
                .isEqualTo("/var/run/secrets/relstorage-packer/api/bearer");
    }

    @Test
    void monitoringOnlyWhenSwitchedOn() {
        assertThat(Chart.render(Map.of()).kinds()).doesNotContain("ServiceMonitor", "PrometheusRule");
        assertThat(Chart.render(Map.of("serviceMonitor.enabled", true)).kinds())
                .contains("ServiceMonitor")
                .doesNotContain("PrometheusRule");
        assertThat(Chart.render(Map.of("prometheusRule.enabled", true)).kinds())
                .contains("PrometheusRule")
                .doesNotContain("ServiceMonitor");
    }

    @Test
    void serviceMonitorScrapesActuatorOnTheManagementPort() {
        Manifests manifests = Chart.render(FULL, Map.of());
        Map<String, Object> monitor = manifests.one("ServiceMonitor");

        assertThat(map(monitor, "spec", "endpoints", 0))
                .containsEntry("port", "management")
                .containsEntry("path", "/actuator/prometheus");
        assertThat(at(monitor, "metadata", "labels", "release")).isEqualTo("prometheus");
        assertThat(at(monitor, "spec", "selector", "matchLabels"))
                .isEqualTo(at(manifests.one("Service"), "spec", "selector"));
        assertThat(at(monitor, "spec", "namespaceSelector", "matchNames")).isEqualTo(List.of(Chart.NAMESPACE));
    }

    @Test
    void prometheusRuleAlertsOnWhatTheOperatorMustKnow() {
        Map<String, Object> rule = Chart.render(FULL, Map.of()).one("PrometheusRule");
        List<Object> rules = list(rule, "spec", "groups", 0, "rules");

        assertThat(rules.stream().map(r -> (String) at(r, "alert")))
                .containsExactly(
                        "RelStoragePackerIndexLagHigh",
                        "RelStoragePackerQuarantinedObjects",
                        "RelStoragePackerCollectorOnHold",
                        "RelStoragePackerBlobRemovalOnHold",
                        "RelStoragePackerCollectorStalled",
                        "RelStoragePackerPackFailed",
                        "RelStoragePackerFenceWaitHigh",
                        "RelStoragePackerFenceBusy");
        for (Object r : rules) {
            String expr = (String) at(r, "expr");
            assertThat(expr)
                    .as("each alert looks only at this release")
                    .contains("namespace=\"plone\", job=\"" + Chart.FULLNAME + "\"");
            assertThat(at(r, "labels", "team")).isEqualTo("plone");
            assertThat((String) at(r, "annotations", "description")).contains("{{ $labels.job }}");
        }
        assertThat((String) at(rules, 0, "expr")).endsWith("> 600");
        assertThat(at(rule, "metadata", "labels", "release")).isEqualTo("prometheus");
    }

    @Test
    void dashboardConfigMapCarriesTheJsonForTheSidecar() throws Exception {
        Map<String, Object> dashboard = Chart.render(FULL, Map.of()).named("ConfigMap", Chart.FULLNAME + "-dashboard");

        assertThat(at(dashboard, "metadata", "labels", "grafana_dashboard")).isEqualTo("1");
        assertThat(at(dashboard, "metadata", "annotations", "grafana_folder")).isEqualTo("Plone");
        assertThat(at(dashboard, "metadata", "namespace")).isEqualTo("monitoring");
        assertThat(at(dashboard, "data", "relstorage-packer.json"))
                .isEqualTo(Files.readString(Chart.DIR.resolve("dashboards/relstorage-packer.json"))
                        .stripTrailing());
        assertThat(Chart.render(Map.of()).all("ConfigMap")).hasSize(1);
    }

    @Test
    void cronJobModeRunsOneShotPacksAndNoDaemon() {
        Manifests manifests = Chart.render(CRONJOB, Map.of());

        assertThat(manifests.kinds()).containsExactly("ConfigMap", "CronJob", "ServiceAccount");
        Map<String, Object> cronJob = manifests.one("CronJob");
        assertThat(map(cronJob, "spec"))
                .containsEntry("concurrencyPolicy", "Forbid")
                .containsEntry("schedule", "30 2 * * *")
                .containsEntry("timeZone", "Europe/Berlin");
        assertThat(at(cronJob, "spec", "jobTemplate", "spec", "activeDeadlineSeconds"))
                .isEqualTo(7200);
        Map<String, Object> pod = podSpec(manifests);
        assertThat(pod).containsEntry("restartPolicy", "Never");
        Map<String, Object> container = map(pod, "containers", 0);
        assertThat(at(container, "args")).isEqualTo(List.of("pack", "--days=3"));
        assertThat(container).doesNotContainKeys("ports", "startupProbe", "livenessProbe", "readinessProbe");
        assertThat(find(container, "env", "PACKER_API_TOKEN")).isNull();
        assertThat(at(container, "env", "SPRING_DATASOURCE_USERNAME", "valueFrom", "secretKeyRef", "name"))
                .isEqualTo("plone-db");
        assertThat(at(applicationYml(manifests), "packer", "collector", "enabled"))
                .as("the scheduled collection stays off while the one-shot pack runs")
                .isEqualTo(false);
    }

    @Test
    void cronJobDryRun() {
        Map<String, Object> pod = podSpec(Chart.render(CRONJOB, Map.of("cronjob.dryRun", true, "cronjob.days", "0.5")));

        assertThat(at(pod, "containers", 0, "args")).isEqualTo(List.of("pack", "--days=0.5", "--dry-run"));
    }

    @Test
    void schemaRejectsWrongValues() {
        assertThatThrownBy(() -> Chart.render(Map.of("mode", "sidecar"))).hasMessageContaining("mode");
        assertThatThrownBy(() -> Chart.render(Map.of("blobs.enabled", true))).hasMessageContaining("existingClaim");
        assertThatThrownBy(() -> Chart.render(Map.of("databse.url", "jdbc:postgresql://x/y")))
                .hasMessageContaining("databse");
        assertThatThrownBy(() -> Chart.render(Map.of("database.url", "postgres://x/y")))
                .hasMessageContaining("/database/url");
    }

    private static Map<String, String> probe(String path) {
        return Map.of("path", path, "port", "management");
    }

    private static Map<String, Object> podSpec(Manifests manifests) {
        List<Map<String, Object>> cronJobs = manifests.all("CronJob");
        if (!cronJobs.isEmpty()) {
            return map(cronJobs.get(0), "spec", "jobTemplate", "spec", "template", "spec");
        }
        return map(manifests.one("Deployment"), "spec", "template", "spec");
    }

    private static Map<String, Object> container(Map<String, Object> deployment) {
        return map(deployment, "spec", "template", "spec", "containers", "packer");
    }

    private static Map<String, Object> applicationYml(Manifests manifests) {
        String text = (String) at(manifests.named("ConfigMap", Chart.FULLNAME), "data", "application.yml");
        return new Yaml().load(text);
    }

    private static String checksum(Manifests manifests) {
        return (String)
                at(manifests.one("Deployment"), "spec", "template", "metadata", "annotations", "checksum/config");
    }
}
