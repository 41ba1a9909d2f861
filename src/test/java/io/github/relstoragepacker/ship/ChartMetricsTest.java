package io.github.relstoragepacker.ship;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the alert rules query only metrics of the contract's catalogue
 * (/work/coord/contract.md) and the standard Micrometer ones, and show what the shipping issue asks
 * for. Whether the running app exports them is checked against a live /actuator/prometheus elsewhere.
 */
class ChartMetricsTest {

    /** The contract's catalogue as series names (histograms by their family name and their _max gauge). */
    private static final Set<String> CATALOGUE = Set.of(
            "packer_index_objects",
            "packer_index_lag_seconds",
            "packer_index_quarantined_objects",
            "packer_index_build_scanned_objects",
            "packer_index_build_estimated_objects",
            "packer_garbage_objects",
            "packer_garbage_bytes",
            "packer_garbage_pending_objects",
            "packer_collector_on_hold",
            "packer_blob_directory_on_hold",
            "packer_blob_directory_held_objects",
            "packer_collector_kept_blob_directories_total",
            "packer_collector_paused",
            "packer_collector_last_success_timestamp_seconds",
            "packer_pack_running",
            "packer_collector_scanned_objects_total",
            "packer_collector_deleted_objects_total",
            "packer_collector_deleted_bytes_total",
            "packer_collector_deleted_blob_files_total",
            "packer_collector_deleted_large_objects_total",
            "packer_collector_kept_objects_total",
            "packer_collector_fence_busy_total",
            "packer_collector_fence_queued_total",
            "packer_collector_fence_overruns_total",
            "packer_collector_holds_total",
            "packer_packs_total",
            "packer_collector_fence_hold_seconds",
            "packer_collector_fence_hold_seconds_max",
            "packer_collector_fence_wait_seconds",
            "packer_collector_fence_wait_seconds_max",
            "packer_collector_batch_seconds",
            "packer_collector_batch_seconds_max");

    /** Standard Micrometer metrics of a Spring Boot app with Hikari. */
    private static final Set<String> STANDARD =
            Set.of("jvm_memory_used_bytes", "process_cpu_usage", "hikaricp_connections_active");

    @Test
    void namesAreTheSeriesAnExpressionReads() {
        assertThat(
                        ChartMetrics.metricNames(
                                "histogram_quantile(0.95, sum by (le) (rate(a_seconds_bucket{job=~\"$job\", le!=\"+Inf\"}[5m])))"))
                .containsExactly("a_seconds_bucket");
        assertThat(ChartMetrics.metricNames("time() - max(b_timestamp_seconds{x=\"y\"}) > 1e3"))
                .containsExactly("b_timestamp_seconds");
        assertThat(ChartMetrics.metricNames(
                        "(c > 7200) unless on (namespace, job) (max by (job) (d) == 1 or e offset 5m == bool 1)"))
                .containsExactly("c", "d", "e");
        assertThat(ChartMetrics.metricNames("sum(rate(f_total[$__rate_interval])) / ignoring(x) g"))
                .containsExactly("f_total", "g");
        assertThat(ChartMetrics.metricNames("label_values(h{job=~\"$job\"}, instance)"))
                .containsExactly("h");
    }

    @Test
    void familyNamesAHistogramBySeries() {
        assertThat(ChartMetrics.family("packer_collector_fence_hold_seconds_bucket"))
                .isEqualTo("packer_collector_fence_hold_seconds");
        assertThat(ChartMetrics.family("packer_collector_batch_seconds_count"))
                .isEqualTo("packer_collector_batch_seconds");
        assertThat(ChartMetrics.family("packer_collector_fence_hold_seconds_max"))
                .isEqualTo("packer_collector_fence_hold_seconds_max");
        assertThat(ChartMetrics.family("packer_packs_total")).isEqualTo("packer_packs_total");
    }

    @Test
    void dashboardQueriesOnlyCatalogueMetrics() {
        assertThat(families(ChartMetrics.dashboard())).isSubsetOf(allowed());
    }

    @Test
    void rulesQueryOnlyCatalogueMetrics() {
        assertThat(families(ChartMetrics.rules())).isSubsetOf(CATALOGUE);
    }

    @Test
    void dashboardShowsWhatTheOperatorNeeds() {
        assertThat(families(ChartMetrics.dashboard()))
                .contains(
                        "packer_index_objects",
                        "packer_garbage_objects",
                        "packer_index_lag_seconds",
                        "packer_collector_deleted_objects_total",
                        "packer_collector_deleted_bytes_total",
                        "packer_collector_deleted_blob_files_total",
                        "packer_collector_fence_hold_seconds",
                        "packer_collector_fence_wait_seconds",
                        "packer_packs_total",
                        "packer_pack_running",
                        "packer_index_quarantined_objects");
    }

    @Test
    void rulesWatchLagQuarantineHoldStallPacksAndFence() {
        assertThat(families(ChartMetrics.rules()))
                .contains(
                        "packer_index_lag_seconds",
                        "packer_index_quarantined_objects",
                        "packer_collector_on_hold",
                        "packer_blob_directory_on_hold",
                        "packer_collector_last_success_timestamp_seconds",
                        "packer_packs_total",
                        "packer_collector_fence_wait_seconds",
                        "packer_collector_fence_busy_total");
    }

    private static Set<String> allowed() {
        Set<String> allowed = new TreeSet<>(CATALOGUE);
        allowed.addAll(STANDARD);
        return allowed;
    }

    private static Set<String> families(Set<String> series) {
        Set<String> families = new TreeSet<>();
        series.forEach(s -> families.add(ChartMetrics.family(s)));
        return families;
    }
}
