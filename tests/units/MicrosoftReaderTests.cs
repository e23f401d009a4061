using System;
using System.Linq;
using IncidentTools.Readers;
using Xunit;

namespace IncidentTools.Tests
{
    public class SentinelAlertReaderTests
    {
        [SkippableFact]
        public void MsticpyCsvExport_OlderColumnSet_AllAlertsWithResolvedEntities()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("sentinel-securityalert/msticpy_alertlist.csv"));
            Assert.Equal("SentinelSecurityAlert", r.Format);
            Assert.Empty(r.Errors);
            Assert.Equal(189, r.Alerts.Count);
            Assert.Equal(189, r.AlertKeys.Count);
            Assert.All(r.Alerts, a => Assert.Equal("802d39e1-9d70-404d-832c-2de5e2478eda", a.TenantId));
            // Severity counts as SOURCES.md measured them.
            Assert.Equal(102, r.Alerts.Count(a => a.Severity == Severity.High));
            Assert.Equal(56, r.Alerts.Count(a => a.Severity == Severity.Medium));
            Assert.Equal(24, r.Alerts.Count(a => a.Severity == Severity.Low));
            Assert.Equal(7, r.Alerts.Count(a => a.Severity == Severity.Informational));
            // Alerts per entity type, counted by hand from the Entities JSON (host 176, account 165, file 140, ...).
            var types = r.AlertsWithType();
            Assert.Equal(176, types[EntityType.Device]);
            Assert.Equal(165, types[EntityType.User]);
            Assert.Equal(140, types[EntityType.File]);
            Assert.Equal(140, types[EntityType.Process]);
            Assert.Equal(26, types[EntityType.Ip]);
            Assert.Equal(5, types[EntityType.RegistryKey]);
            Assert.Equal(5, types[EntityType.RegistryValue]);
            Assert.Equal(13, r.Alerts.Count(a => a.Evidence.Count == 0));
            // 138 alerts carry the host entity MSTICALERTSWIN1 (112 name it as CompromisedEntity).
            Assert.Equal(138, r.Alerts.Count(a => a.Evidence.Any(e => e.Type == EntityType.Device && e.Key == "msticalertswin1")));
            // $ref resolution: the registry value knows its key's hive; the process knows its host.
            Assert.Contains(r.Keys(EntityType.RegistryValue), k => k == @"hkey_current_user\console\windowposition");
            Assert.Contains(r.Keys(EntityType.Process), k => k.StartsWith("msticalertswin1|"));
            var first = r.Alerts[0];
            Assert.Equal("DC local group addition - Demo", first.Title);
            Assert.Equal(new DateTimeOffset(2019, 1, 11, 6, 31, 40, TimeSpan.Zero), first.FirstActivityDateTime);
            Assert.Equal(new DateTimeOffset(2019, 1, 12, 6, 31, 40, TimeSpan.Zero), first.LastActivityDateTime);
            Assert.Equal("MicrosoftSentinel", first.ServiceSource);
        }

        [SkippableFact]
        public void EventHubRow_NewerColumnSet()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("sentinel-securityalert/elastic_sentinel_eventhub_securityalert.jsonl"));
            var a = Assert.Single(r.Alerts);
            Assert.Equal("jnfjrdnkr-7cbd-5454-9c61-455cc9818f50", a.ProviderAlertId);
            Assert.Equal(Severity.High, a.Severity);
            Assert.Equal(AlertStatus.New, a.Status);
            Assert.Null(a.Category); // Tactics "Unknown"
            var u = Assert.Single(a.Evidence);
            Assert.Equal(EntityType.User, u.Type);
            Assert.Equal("aws:44512121212/us-east-1/ec2:i-42f44fdfvdf5d", u.Key);
        }

        [Fact]
        public void JsonFixture_PreParsedEntities_TacticsTechniques_StringEntities()
        {
            var r = ReaderHarness.ReadFile(TestData.Fixture("sentinel/securityalert_newer.json"));
            Assert.Equal("SentinelSecurityAlert", r.Format);
            Assert.Empty(r.Errors);
            Assert.Equal(2, r.Alerts.Count);
            var a = r.Alerts[0];
            Assert.Equal("Suspicious PowerShell download on WS-042", a.Title);
            Assert.Equal("InitialAccess", a.Category);
            Assert.Equal(new[] { "T1566", "T1059", "T1059.001" }, a.MitreTechniques);
            Assert.Equal("MicrosoftSentinel", a.ServiceSource);
            Assert.Equal("ScheduledAlerts", a.DetectionSource);
            Assert.Equal("rule-guid-0001", a.DetectorId);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Device && e.Key == "ws-042.contoso.local");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.User && e.Key == "alice@contoso.com");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.File && e.Key == "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Process && e.Key == "ws-042.contoso.local|4242|2025-03-02T10:01:00Z");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Ip && e.Key == "203.0.113.7");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Url);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Domain && e.Key == "rare-domain.example");
            Assert.DoesNotContain(a.Evidence, e => e.Type == EntityType.Other);
            Assert.Equal(1, a.Evidence.Count(e => e.Type == EntityType.File)); // filehash merged into its file
            var b = r.Alerts[1];
            Assert.Equal("Exfiltration", b.Category);
            Assert.Equal(AlertStatus.Resolved, b.Status);
            Assert.Equal("MicrosoftDefenderForOffice365", b.ServiceSource);
            Assert.Equal(new[] { EntityType.Mailbox, EntityType.User, EntityType.Ip }, b.Evidence.Select(e => e.Type).ToArray());
        }

        [SkippableFact]
        public void SentinelIncidentResource_IsCountedNotCreated()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("sentinel-securityincident/elastic_sentinel_incident_api.jsonl"));
            Assert.Equal("SentinelIncident", r.Format);
            Assert.Empty(r.Alerts);
            Assert.Empty(r.Errors);
            var s = Assert.Single(r.Skipped);
            Assert.Contains("3177", s.Message);
            Assert.Contains("SecurityAlert", s.Message);
        }
    }

    public class AdvancedHuntingReaderTests
    {
        [SkippableFact]
        public void StreamingEnvelopes_InfoRowsAreAlerts_EvidenceRowIsPending()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("m365d-advanced-hunting-alertinfo-alertevidence/elastic_m365d_streaming_alertinfo_alertevidence.jsonl"));
            Assert.Equal("AdvancedHunting", r.Format);
            Assert.Empty(r.Errors);
            Assert.Equal(3, r.Alerts.Count);                 // three AlertInfo rows ...
            Assert.Single(r.AlertKeys);                       // ... of one alert
            Assert.Equal("defender:12345af3-bc0e-4f36-b08e-27759e912345:da638034938542563831_172489803", r.AlertKeys.Single());
            var a = r.Alerts[0];
            Assert.Equal("Anomalous silent process exit monitor registration", a.Title);
            Assert.Equal("Persistence", a.Category);
            Assert.Equal(Severity.Medium, a.Severity);
            Assert.Equal(new[] { "T1078", "T1078.004" }, a.MitreTechniques);
            Assert.Equal("MicrosoftDefenderForEndpoint", a.ServiceSource);
            var ev = Assert.Single(r.EvidenceItems);
            Assert.Equal("defender", ev.Family);
            Assert.Equal("da638034938542195558_2006612345", ev.Alert!.ProviderAlertId);
            Assert.Equal("12345af3-bc0e-4f36-b08e-27759e912345", ev.Alert.TenantId);
            var types = ev.Alert.Evidence.Select(e => e.Type).ToList();
            Assert.Contains(EntityType.File, types);
            Assert.Contains(EntityType.Device, types);
            Assert.Contains(EntityType.User, types);
            Assert.Contains(EntityType.Ip, types);
            Assert.Contains(ev.Alert.Evidence, e => e.Type == EntityType.File && e.Key == "bd914e55d55a31b7bdc95fa617f9925ff3eba703afd7a8b70cea18dcae512345");
        }

        [Fact]
        public void CsvExports_EvidenceFileBeforeAlertFile()
        {
            var evidence = ReaderHarness.ReadFile(TestData.Fixture("advanced-hunting/alertevidence.csv"));
            Assert.Equal("AdvancedHunting", evidence.Format);
            Assert.Empty(evidence.Alerts);
            Assert.Equal(3, evidence.EvidenceItems.Count);
            var proc = evidence.EvidenceItems[0].Alert!;
            Assert.Equal("da0000000000000000001_1", proc.ProviderAlertId);
            Assert.Contains(proc.Evidence, e => e.Type == EntityType.Process && e.Key == "1111111111111111111111111111111111111111|5120|2025-04-01T08:59:59Z");
            Assert.Contains(proc.Evidence, e => e.Type == EntityType.Device && e.Key == "1111111111111111111111111111111111111111");
            Assert.Contains(proc.Evidence, e => e.Type == EntityType.User && e.Key == "S-1-5-21-9-9-9-2002");
            Assert.All(proc.Evidence, e => Assert.Contains("Impacted", e.Roles));
            Assert.Contains(evidence.EvidenceItems[1].Alert!.Evidence, e => e.Type == EntityType.Ip && e.Key == "192.0.2.44");
            Assert.Contains(evidence.EvidenceItems[2].Alert!.Evidence, e => e.Type == EntityType.Url && e.Key == "https://phish.example/login");

            var info = ReaderHarness.ReadFile(TestData.Fixture("advanced-hunting/alertinfo.csv"));
            Assert.Equal("AdvancedHunting", info.Format);
            Assert.Equal(2, info.Alerts.Count);
            Assert.Equal("DefenseEvasion", info.Alerts[0].Category);
            Assert.Equal(new[] { "T1566", "T1566.002" }, info.Alerts[1].MitreTechniques);
            Assert.Equal("MicrosoftDefenderForOffice365", info.Alerts[1].ServiceSource);
        }

        [Fact]
        public void StreamingFixture_OtherTablesSkipped_ExtraColumnsTolerated()
        {
            var r = ReaderHarness.ReadFile(TestData.Fixture("advanced-hunting/streaming.jsonl"));
            Assert.Equal("AdvancedHunting", r.Format);
            Assert.Single(r.EvidenceItems);
            Assert.Single(r.Skipped);
            var a = Assert.Single(r.Alerts);
            Assert.Equal("22222222-0000-0000-0000-000000000002", a.TenantId);
            Assert.Equal("CredentialAccess", a.Category);
            Assert.Contains(r.EvidenceItems[0].Alert!.Evidence, e => e.Type == EntityType.User && e.Key == "carol@fabrikam.com");
        }
    }

    public class GraphLegacyAlertReaderTests
    {
        [SkippableFact]
        public void LegacyV1Alert_IsRefusedWithAnErrorNamingTheFormatAndTheAlternative()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("ms-graph-security-alerts-legacy-v1/demisto_graph_legacy_alert_v1_get.json"));
            Assert.Equal("GraphLegacyAlert", r.Format);
            Assert.Empty(r.Alerts);
            var e = Assert.Single(r.Errors);
            Assert.Contains("/security/alerts (v1)", e.Message);
            Assert.Contains("alerts_v2", e.Message);
        }

        [Fact]
        public void LegacyV1Alert_DetectedFromItsFieldsWithoutODataContext()
        {
            var r = ReaderHarness.ReadText("{\"id\":\"x1\",\"title\":\"t\",\"azureTenantId\":\"t1\",\"eventDateTime\":\"2020-01-01T00:00:00Z\",\"vendorInformation\":{\"provider\":\"p\"},\"hostStates\":[]}\n", ".json");
            Assert.Equal("GraphLegacyAlert", r.Format);
            Assert.Contains("alerts_v2", Assert.Single(r.Errors).Message);
        }
    }
}
