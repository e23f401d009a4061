using System;
using System.IO;
using System.Linq;
using IncidentTools.Store;
using Microsoft.Data.Sqlite;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>The SQLite store: schema versioning, WAL, idempotent imports, tenants side by side, file permissions.</summary>
    public class StoreTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);

        [Fact]
        public void A_new_store_has_the_current_schema_version_as_user_version()
        {
            using var s = new TestStore();
            Assert.True(Schema.CurrentVersion >= 1);
            Assert.Equal(Schema.CurrentVersion, s.Store.SchemaVersion);
            Assert.Equal((long)Schema.CurrentVersion, Convert.ToInt64(s.Store.Scalar("PRAGMA user_version;")));
            foreach (var table in new[] { "incidents", "alerts", "entities", "alert_entities", "correlation_links", "correlation_refusals", "history", "settings" })
                Assert.Equal(1L, s.Count("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $n", ("$n", table)));
        }

        [Fact]
        public void Reopening_a_store_keeps_its_data_and_version()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com")));
            s.Store.Dispose();
            using var again = IncidentStore.Open(s.FilePath);
            Assert.Equal(Schema.CurrentVersion, again.SchemaVersion);
            Assert.Single(new IncidentReader(again).Incidents(new IncidentFilter()));
        }

        [Fact]
        public void A_store_of_a_newer_schema_is_refused_and_left_unchanged()
        {
            using var s = new TestStore();
            int newer = Schema.CurrentVersion + 1;
            s.Store.Execute($"PRAGMA user_version = {newer};");
            s.Store.Dispose();

            var ex = Assert.Throws<StoreException>(() => IncidentStore.Open(s.FilePath));
            Assert.Contains("newer", ex.Message);
            Assert.Contains(s.FilePath, ex.Message);

            using var raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = s.FilePath, Pooling = false }.ToString());
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "PRAGMA user_version;";
            Assert.Equal((long)newer, Convert.ToInt64(cmd.ExecuteScalar()));
        }

        [Fact]
        public void The_store_uses_write_ahead_logging()
        {
            using var s = new TestStore();
            Assert.Equal("wal", Convert.ToString(s.Store.Scalar("PRAGMA journal_mode;")), ignoreCase: true);
        }

        [Fact]
        public void A_folder_as_store_path_is_refused_with_a_clear_error()
        {
            using var s = new TestStore();
            var ex = Assert.Throws<StoreException>(() => IncidentStore.Open(s.Folder));
            Assert.Contains("folder", ex.Message);
        }

        [Fact]
        public void Reimporting_the_same_alert_is_unchanged_and_does_not_duplicate()
        {
            using var s = new TestStore();
            var alert = GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com"), GraphAlert.Ip("203.0.113.7"));
            var first = s.Import(alert);
            Assert.Equal(1, first.Created);
            Assert.Single(first.CreatedIncidentIds);
            long entityLinks = s.Count("SELECT count(*) FROM alert_entities");
            long historyRows = s.Count("SELECT count(*) FROM history");

            var second = s.Import(alert);
            Assert.Equal(0, second.Created);
            Assert.Equal(0, second.Updated);
            Assert.Equal(1, second.Unchanged);
            Assert.Empty(second.CreatedIncidentIds);
            Assert.Empty(second.UpdatedIncidentIds);

            Assert.Equal(1, s.Count("SELECT count(*) FROM alerts"));
            Assert.Equal(1, s.Count("SELECT count(*) FROM incidents"));
            Assert.Equal(entityLinks, s.Count("SELECT count(*) FROM alert_entities"));
            Assert.Equal(historyRows, s.Count("SELECT count(*) FROM history"));
            Assert.Equal(1, s.Count("SELECT max(alert_count) FROM entities"));
            Assert.Equal(1, s.Incident(s.IncidentOf("a1")).AlertCount);
        }

        [Fact]
        public void Reimporting_a_changed_alert_updates_it_in_place_and_keeps_its_incident()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.TenantA, "Low", "Execution", GraphAlert.User("alice@contoso.com")));
            long id = s.IncidentOf("a1");
            var summary = s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.TenantA, "High", "Execution", GraphAlert.User("alice@contoso.com"), GraphAlert.Ip("203.0.113.7")));
            Assert.Equal(1, summary.Updated);
            Assert.Equal(0, summary.Created);
            Assert.Equal(1, s.Count("SELECT count(*) FROM alerts"));
            Assert.Equal(id, s.IncidentOf("a1"));
            Assert.Equal(1, s.Incident(id).AlertCount);
            Assert.Equal(Severity.High, s.Incident(id).Severity);
            var alert = Assert.Single(s.Reader.Alerts(null, new[] { GraphAlert.AlertId("a1") }));
            Assert.Equal(2, alert.Evidence.Count);
        }

        [Fact]
        public void Reimporting_without_evidence_never_replaces_known_evidence_with_nothing()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com")));
            s.Import(GraphAlert.Make("a1", Min(0)));
            var alert = Assert.Single(s.Reader.Alerts(null, new[] { GraphAlert.AlertId("a1") }));
            Assert.Single(alert.Evidence);
        }

        [Fact]
        public void The_same_provider_alert_id_in_two_tenants_stays_two_alerts()
        {
            using var s = new TestStore();
            var summary = s.Import(GraphAlert.Make("same-id", Min(0), GraphAlert.TenantA, "High", "Execution", GraphAlert.User("alice@contoso.com")),
                                   GraphAlert.Make("same-id", Min(0), GraphAlert.TenantB, "High", "Execution", GraphAlert.User("alice@contoso.com")));
            Assert.Equal(2, summary.Created);
            var alerts = s.Reader.Alerts(null, null).ToList();
            Assert.Equal(2, alerts.Count);
            Assert.Equal(new[] { GraphAlert.TenantA, GraphAlert.TenantB }, alerts.Select(a => a.TenantId).OrderBy(t => t));
            Assert.All(alerts, a => Assert.Equal("same-id", a.ProviderAlertId));
            Assert.NotEqual(s.IncidentOf("same-id", GraphAlert.TenantA), s.IncidentOf("same-id", GraphAlert.TenantB));
        }

        [SkippableFact]
        public void A_new_store_file_is_readable_by_its_owner_only()
        {
            Skip.If(OperatingSystem.IsWindows(), "Unix file modes only");
            using var s = new TestStore();
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(s.FilePath));
        }

        [SkippableFact]
        public void A_folder_the_store_creates_is_its_owners_only()
        {
            Skip.If(OperatingSystem.IsWindows(), "Unix file modes only");
            var root = Path.Combine(Path.GetTempPath(), "it-tests-" + Guid.NewGuid().ToString("N"));
            try
            {
                var path = Path.Combine(root, "sub", "incidents.db");
                using (IncidentStore.Open(path)) { }
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
            finally { Directory.Delete(root, true); }
        }

        [Fact]
        public void The_correlation_policy_round_trips_through_the_store_and_bad_values_are_refused()
        {
            using var s = new TestStore();
            var policy = new Correlation.CorrelationPolicy { WindowHours = 6, MaxAlertsPerIncident = 10, ReopenResolved = true };
            policy.LinkingTypes.Remove("Ip");
            Correlation.CorrelationPolicyStore.Save(s.Store, policy);
            var loaded = Correlation.CorrelationPolicyStore.Load(s.Store);
            Assert.Equal(6, loaded.WindowHours);
            Assert.Equal(10, loaded.MaxAlertsPerIncident);
            Assert.True(loaded.ReopenResolved);
            Assert.Equal(0, loaded.LinkStrength(EntityType.Ip));
            Assert.Equal(1, loaded.LinkStrength(EntityType.User));

            var ex = Assert.Throws<ArgumentException>(() => Correlation.CorrelationPolicyStore.Save(s.Store, new Correlation.CorrelationPolicy { MaxAlertsPerIncident = 1 }));
            Assert.Contains("between 2 and", ex.Message);
            Assert.Equal(10, Correlation.CorrelationPolicyStore.Load(s.Store).MaxAlertsPerIncident);
        }

        [Fact]
        public void A_type_the_policy_does_not_link_does_not_correlate()
        {
            var policy = new Correlation.CorrelationPolicy();
            policy.LinkingTypes.Remove("Ip");
            using var s = new TestStore(policy);
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.Ip("203.0.113.7")),
                     GraphAlert.Make("a2", Min(5), GraphAlert.Ip("203.0.113.7")));
            Assert.NotEqual(s.IncidentOf("a1"), s.IncidentOf("a2"));
        }
    }
}
