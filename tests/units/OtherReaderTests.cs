using System;
using System.Linq;
using IncidentTools.Readers;
using Xunit;

namespace IncidentTools.Tests
{
    public class SuricataReaderTests
    {
        [SkippableFact]
        public void IcedIdEve_35AlertsAndTheOtherEventsSkipped()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("suricata-eve/icedid_eve.json"));
            Assert.Equal("SuricataEve", r.Format);
            Assert.Empty(r.Errors);
            Assert.Equal(35, r.Alerts.Count);
            Assert.Equal(35, r.AlertKeys.Count);
            Assert.Equal(200, r.Skipped.Count); // flow 84, dns 62, tls 38, http 11, fileinfo 3, stats 2
            Assert.Equal(7, r.Keys(EntityType.Ip).Count);
            Assert.Equal(new[] { "asleytomafa.com", "brojizuza.com", "grafielucho.com", "manjuskploman.com", "qousahaff.com" }, r.Keys(EntityType.Domain).OrderBy(k => k).ToArray());
            Assert.Contains("http://grafielucho.com/", r.Keys(EntityType.Url));
            Assert.All(r.Alerts, a => Assert.Equal(2, a.Evidence.Count(e => e.Type == EntityType.Ip)));
            Assert.Equal(12, r.Alerts.Select(a => a.Title).Distinct().Count());
            var first = r.Alerts[0];
            Assert.Equal("ET MALWARE DNS Query to IcedID Domain (grafielucho .com)", first.Title);
            Assert.Equal(Severity.High, first.Severity);
            Assert.Equal("1:2049067", first.DetectorId);
            Assert.Equal(new DateTimeOffset(2023, 10, 31, 23, 46, 34, 435, TimeSpan.Zero).AddTicks(8740), first.FirstActivityDateTime);
        }

        [Fact]
        public void Fixture_MitreMetadata_HttpUrl_TlsSni()
        {
            var r = ReaderHarness.ReadFile(TestData.Fixture("suricata/eve.json"));
            Assert.Equal(2, r.Alerts.Count);
            Assert.Equal(2, r.Skipped.Count);
            var a = r.Alerts[0];
            Assert.Equal("CommandAndControl", a.Category);
            Assert.Equal(new[] { "T1071" }, a.MitreTechniques);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Url && e.Key == "http://beacon.example/gate.php?id=7");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Ip && e.Key == "198.51.100.80" && e.Roles.Contains("destination"));
            Assert.Equal(new DateTimeOffset(2025, 5, 1, 9, 59, 59, TimeSpan.Zero), a.FirstActivityDateTime);
            var b = r.Alerts[1];
            Assert.Equal(Severity.Medium, b.Severity);
            Assert.Contains(b.Evidence, e => e.Type == EntityType.Domain && e.Key == "bad-sni.example");
        }
    }

    public class HayabusaReaderTests
    {
        [SkippableFact]
        public void DocExamples_FourRecordsAcrossProfiles()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("hayabusa-json/hayabusa_docs_examples.jsonl"));
            Assert.Equal("Hayabusa", r.Format);
            Assert.Empty(r.Errors);
            Assert.Equal(4, r.Alerts.Count);
            Assert.Equal(4, r.AlertKeys.Count);
            Assert.Equal(new[] { "Proc Exec", "Proc Exec", "Logon (Network)", "Net Conn (Sysmon Alert)" }, r.Alerts.Select(a => a.Title).ToArray());
            Assert.Equal(Severity.Medium, r.Alerts[3].Severity);
            Assert.Equal(Severity.Informational, r.Alerts[0].Severity);
            Assert.Equal(new[] { "fs03vuln.offsec.lan", "ie10win7", "msedgewin10" }, r.Keys(EntityType.Device).OrderBy(k => k).ToArray());
            Assert.Equal(new[] { "10.0.2.15", "10.23.123.11", "93.184.220.29" }, r.Keys(EntityType.Ip).OrderBy(k => k).ToArray());
            Assert.Contains(@"msedgewin10\ieuser", r.Keys(EntityType.User));
            Assert.Contains("cmd:c:\\windows\\system32\\ipconfig /release", r.Keys(EntityType.Process));
            Assert.Equal(new DateTimeOffset(2016, 8, 18, 23, 6, 57, 658, TimeSpan.Zero), r.Alerts[0].FirstActivityDateTime);
            // The anonymous subject (S-1-0-0, "-") of the 4624 event is no user.
            Assert.DoesNotContain("S-1-0-0", r.Keys(EntityType.User));
        }

        [Fact]
        public void Fixture_LevelMitreAndDetails()
        {
            var r = ReaderHarness.ReadFile(TestData.Fixture("hayabusa/timeline.jsonl"));
            Assert.Equal(2, r.Alerts.Count);
            var a = r.Alerts[0];
            Assert.Equal(Severity.High, a.Severity);
            Assert.Equal("Execution", a.Category);
            Assert.Equal(new[] { "T1059.001" }, a.MitreTechniques);
            Assert.Equal("0d3e4b6f-1111-2222-3333-444455556666", a.DetectorId);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Process && e.Key == "ws-100.fabrikam.local|3030|2025-06-01 10:00:00.000");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.File && e.Key == new string('b', 64));
            Assert.Contains(a.Evidence, e => e.Type == EntityType.User && e.Key == @"fabrikam\dave");
            var b = r.Alerts[1];
            Assert.Equal(Severity.Medium, b.Severity);
            Assert.Equal("InitialAccess", b.Category);
            Assert.Contains(b.Evidence, e => e.Type == EntityType.Ip && e.Key == "203.0.113.50");
            Assert.Contains(b.Evidence, e => e.Type == EntityType.User && e.Key == "administrator");
            Assert.Contains(b.Evidence, e => e.Type == EntityType.Device && e.Key == "kali");
        }

        [Fact]
        public void CsvTimeline_MapsTheSameWayAsTheJsonTimeline()
        {
            var csv = ReaderHarness.ReadFile(TestData.Fixture("hayabusa/timeline.csv"));
            Assert.Equal("Hayabusa", csv.Format);
            Assert.Empty(csv.Errors);
            Assert.Equal(2, csv.Alerts.Count);
            var a = csv.Alerts[0];
            Assert.Equal(("Suspicious Encoded PowerShell", Severity.High, "Execution"), (a.Title, a.Severity, a.Category));
            Assert.Equal(new[] { "T1059.001" }, a.MitreTechniques);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Device && e.Key == "ws-100.fabrikam.local");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.User && e.Key == @"fabrikam\dave");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Process && e.Key == "ws-100.fabrikam.local|3030|2025-06-01 10:00:00.000");
            var b = csv.Alerts[1];
            Assert.Equal(("Failed Logon From Public IP", Severity.Medium, "InitialAccess"), (b.Title, b.Severity, b.Category));
            Assert.Contains(b.Evidence, e => e.Type == EntityType.Ip && e.Key == "203.0.113.50");
            Assert.Contains(b.Evidence, e => e.Type == EntityType.User && e.Key == "administrator");
            // The same events as the JSON timeline are the same alerts.
            var json = ReaderHarness.ReadFile(TestData.Fixture("hayabusa/timeline.jsonl"));
            Assert.Equal(json.Alerts.Select(x => x.ProviderAlertId), csv.Alerts.Select(x => x.ProviderAlertId));
        }
    }

    public class ChainsawReaderTests
    {
        [SkippableFact]
        public void LotlHuntCsv_35Detections()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("chainsaw-hunt-csv/chainsaw_lotl_sigma.csv"));
            Assert.Equal("Chainsaw", r.Format);
            Assert.Empty(r.Errors);
            Assert.Equal(35, r.Alerts.Count);
            Assert.Equal(35, r.AlertKeys.Count);
            var types = r.AlertsWithType();
            Assert.Equal(35, types[EntityType.Device]);   // every row: DESKTOP-8T2FTQR
            Assert.Equal(18, types[EntityType.Process]);  // Sysmon 1
            Assert.Equal(18, types[EntityType.User]);
            Assert.Equal(29, types[EntityType.File]);     // 18 images + 11 PowerShell script paths
            Assert.Equal(new[] { "desktop-8t2ftqr" }, r.Keys(EntityType.Device).ToArray());
            Assert.Equal(new[] { @"desktop-8t2ftqr\cozybear" }, r.Keys(EntityType.User).ToArray());
            var lsass = r.Alerts[4];
            Assert.Equal("LSASS Dump Keyword In CommandLine; Potentially Suspicious Rundll32 Activity", lsass.Title);
            Assert.Contains(lsass.Evidence, e => e.Type == EntityType.Process && e.Properties["commandLine"].Contains("comsvcs.dll, MiniDump"));
            Assert.Contains(lsass.Evidence, e => e.Type == EntityType.File && e.Key == "4193f529bff2729769d82cb83ee206d2af16c59208d6dc5cd8b54cd9c6703a11");
        }

        [Fact]
        public void Fixture_CsvAndJsonForms()
        {
            var r = ReaderHarness.ReadFile(TestData.Fixture("chainsaw/hunt.csv"));
            Assert.Equal(2, r.Alerts.Count);
            var a = r.Alerts[0];
            Assert.Equal("Suspicious Reg Save; Dumping of Sensitive Hives Via Reg.EXE", a.Title);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Process && e.Key == "host-a|4100|2025-07-01 08:00:00.000");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Process && e.Roles.Contains("parent"));
            Assert.Contains(a.Evidence, e => e.Type == EntityType.User && e.Key == @"host-a\eve");
            Assert.Contains(r.Alerts[1].Evidence, e => e.Type == EntityType.File && e.Key == @"path:c:\temp\evil.exe");

            var j = ReaderHarness.ReadFile(TestData.Fixture("chainsaw/hunt.json"));
            Assert.Equal("Chainsaw", j.Format);
            var b = Assert.Single(j.Alerts);
            Assert.Equal("Run Key Persistence", b.Title);
            Assert.Equal(Severity.High, b.Severity);
            Assert.Equal("Persistence", b.Category);
            Assert.Equal(new[] { "T1547.001" }, b.MitreTechniques);
            Assert.Contains(b.Evidence, e => e.Type == EntityType.RegistryValue && e.Key == @"hkey_local_machine\software\microsoft\windows\currentversion\run\updater");
            Assert.Contains(b.Evidence, e => e.Type == EntityType.Device && e.Key == "host-b");
        }
    }

    public class OcsfReaderTests
    {
        [SkippableFact]
        public void Examples_DetectionAndSecurityFindings()
        {
            var gd = ReaderHarness.ReadFile(TestData.Shared("ocsf-detection-finding/ocsf_examples_sechub_guardduty_detection_finding.json"));
            Assert.Equal("OcsfFinding", gd.Format);
            var a = Assert.Single(gd.Alerts);
            Assert.Equal("111111111111", a.TenantId);
            Assert.Equal(Severity.Low, a.Severity);
            Assert.Equal("DefenseEvasion", a.Category);
            Assert.Equal(new[] { EntityType.AccessKey, EntityType.Ip, EntityType.User }, a.Evidence.Select(e => e.Type).OrderBy(t => t.ToString()).ToArray());
            Assert.Contains(a.Evidence, e => e.Key == "ASIATMJPC7EXAMPLE");

            var okta = Assert.Single(ReaderHarness.ReadFile(TestData.Shared("ocsf-detection-finding/ocsf_examples_okta_detection_finding.json")).Alerts);
            Assert.Equal("Login Failures", okta.Title);
            Assert.Contains(okta.Evidence, e => e.Type == EntityType.Ip && e.Key == "10.0.0.1");

            var prowler = Assert.Single(ReaderHarness.ReadFile(TestData.Shared("ocsf-detection-finding/ocsf_examples_prowler_detection_finding.json")).Alerts);
            Assert.Equal(Severity.High, prowler.Severity);
            Assert.Contains(prowler.Evidence, e => e.Type == EntityType.CloudResource && e.Key.StartsWith("arn:aws:acm:"));

            var ssc = ReaderHarness.ReadFile(TestData.Shared("ocsf-detection-finding/ocsf_examples_ssc_security_finding_malware.json"));
            Assert.Equal(4, ssc.Alerts.Count);
            Assert.Empty(ssc.Errors);
            Assert.All(ssc.Alerts, x => Assert.Contains(x.Evidence, e => e.Type == EntityType.Ip));
            Assert.Equal(3, ssc.AlertsWithType()[EntityType.Domain]);
            Assert.Equal(4, ssc.AlertsWithType()[EntityType.Malware]);
        }

        [Fact]
        public void Fixture_AttacksEvidencesObservables_UnknownAttributesKept()
        {
            var r = ReaderHarness.ReadFile(TestData.Fixture("ocsf/findings.jsonl"));
            Assert.Empty(r.Errors);
            Assert.Equal(2, r.Alerts.Count);
            var a = r.Alerts[0];
            Assert.Equal("find-0001", a.ProviderAlertId);
            Assert.Equal(Severity.High, a.Severity);
            Assert.Equal(AlertStatus.InProgress, a.Status);
            Assert.Equal("CredentialAccess", a.Category);
            Assert.Equal(new[] { "T1003", "T1003.001" }, a.MitreTechniques);
            Assert.Equal("rule-77", a.DetectorId);
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1746089940000), a.FirstActivityDateTime);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Device && e.Key == "srv-09.example.net");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.User && e.Key == "grace@example.net");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Process && e.Properties["commandLine"].StartsWith("procdump.exe"));
            Assert.Contains(a.Evidence, e => e.Type == EntityType.File && e.Key == new string('d', 64));
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Url && e.Key == "https://exfil.example/upload");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Ip && e.Key == "198.51.100.99");
            var original = r.Items.First(i => i.Kind == ReadItemKind.Alert).Original!;
            Assert.NotNull(original["vendor_specific_attribute"]);
            var b = r.Alerts[1];
            Assert.Equal(Severity.Informational, b.Severity);
            Assert.Contains(b.Evidence, e => e.Type == EntityType.Domain && e.Key == "c2.example.org");
            Assert.Contains(b.Evidence, e => e.Type == EntityType.Malware && e.Key == "example.family");
        }
    }

    public class AsffReaderTests
    {
        [SkippableFact]
        public void CustodianGetFindings_FiveGuardDutyFindings()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("aws-guardduty-asff/custodian_securityhub_guardduty_findings.json"));
            Assert.Equal("AwsSecurityHub", r.Format);
            Assert.Empty(r.Errors);
            Assert.Equal(5, r.Alerts.Count);
            Assert.All(r.Alerts, a => Assert.Equal("644160558196", a.TenantId));
            Assert.All(r.Alerts, a => Assert.Equal(Severity.Medium, a.Severity));
            Assert.Equal(new[] { "brent.clements", "david.shepherd2", "david.yun", "kapil" }, r.Keys(EntityType.User).OrderBy(k => k).ToArray());
            Assert.Equal(5, r.Keys(EntityType.Ip).Count);
            Assert.Equal(4, r.Keys(EntityType.AccessKey).Count); // the ConsoleLogin finding's key is "null"
            Assert.Equal(5, r.AlertsWithType()[EntityType.User]);
            Assert.Equal(4, r.AlertsWithType()[EntityType.AccessKey]);
            var a = r.Alerts[0];
            Assert.Equal("Discovery", a.Category);
            Assert.Equal("GuardDuty", a.ServiceSource);
            Assert.Equal("Recon:IAMUser-ResourcePermissions", a.DetectorId);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Ip && e.Key == "204.63.43.36" && e.Roles.Contains("remote"));
        }

        [SkippableFact]
        public void OcsfExamplesRawAsff_SameFindingAsTheOcsfMapping()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("aws-guardduty-asff/ocsf_examples_sechub_guardduty_raw_asff.json"));
            var a = Assert.Single(r.Alerts);
            Assert.Equal("111111111111", a.TenantId);
            Assert.Equal(Severity.Low, a.Severity);
            Assert.Equal("DefenseEvasion", a.Category);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.AccessKey && e.Key == "ASIATMJPC7EXAMPLE");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.User && e.Key == "admin");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Ip && e.Key == "52.94.133.131");
        }
    }

    public class ElasticAlertReaderTests
    {
        [SkippableFact]
        public void IntegrationSample_DottedAndNestedKeys()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("elastic-security-alert/elastic_integrations_elastic_security_alert.jsonl"));
            Assert.Equal("ElasticSecurity", r.Format);
            var a = Assert.Single(r.Alerts);
            Assert.Equal("abcdef123", a.ProviderAlertId);
            Assert.Equal("Malicious Behavior Prevention Alert: Empire Stager Execution", a.Title);
            Assert.Equal(Severity.High, a.Severity);
            Assert.Equal("Execution", a.Category);
            Assert.Equal(new[] { "T1059", "T1059.004", "T1059.006", "T1132", "T1132.001" }, a.MitreTechniques);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Device && e.Key == "siem-linux-release-sec-bis");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.User && e.Key == "admin");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Ip && e.Key == "89.160.20.156");
            Assert.Equal(2, a.Evidence.Count(e => e.Type == EntityType.Process));
            Assert.Equal(2, a.Evidence.Count(e => e.Type == EntityType.File));
        }

        [Fact]
        public void Fixture_NestedDocument()
        {
            var a = Assert.Single(ReaderHarness.ReadFile(TestData.Fixture("elastic/alert.jsonl")).Alerts);
            Assert.Equal("el-0001", a.ProviderAlertId);
            Assert.Equal(Severity.Medium, a.Severity);
            Assert.Equal(AlertStatus.InProgress, a.Status);
            Assert.Equal(new[] { "T1059", "T1059.003" }, a.MitreTechniques);
            Assert.Equal(new DateTimeOffset(2025, 8, 1, 7, 0, 0, TimeSpan.Zero), a.FirstActivityDateTime);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.User && e.Key == @"corp\henry");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Ip && e.Key == "203.0.113.77" && e.Roles.Contains("destination"));
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Domain && e.Key == "cdn.bad.example");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.File && e.Key == new string('e', 64));
        }
    }

    public class WazuhReaderTests
    {
        [SkippableFact]
        public void OsqueryDocAlerts()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("wazuh-alerts/wazuh_docs_osquery_alerts.jsonl"));
            Assert.Equal("Wazuh", r.Format);
            Assert.Equal(5, r.Alerts.Count);
            Assert.All(r.Alerts, a => Assert.Equal(Severity.Informational, a.Severity)); // level 3
            Assert.All(r.Alerts, a => Assert.Equal("24010", a.DetectorId));
            Assert.Equal(new[] { "vm-ubuntu2204", "vm-ubuntu2204-agent" }, r.Keys(EntityType.Device).OrderBy(k => k).ToArray());
            Assert.Equal(new[] { "10.0.2.15" }, r.Keys(EntityType.Ip).ToArray());
            Assert.Equal(new[] { "vagrant" }, r.Keys(EntityType.User).ToArray());
            Assert.Single(r.Keys(EntityType.Process));
        }

        [Fact]
        public void Fixture_SshBruteForceAndWindowsEvent()
        {
            var r = ReaderHarness.ReadFile(TestData.Fixture("wazuh/alerts.json"));
            Assert.Equal(2, r.Alerts.Count);
            var a = r.Alerts[0];
            Assert.Equal(Severity.Medium, a.Severity); // level 10
            Assert.Equal("CredentialAccess", a.Category);
            Assert.Equal(new[] { "T1110" }, a.MitreTechniques);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Ip && e.Key == "198.51.100.23" && e.Roles.Contains("source"));
            Assert.Contains(a.Evidence, e => e.Type == EntityType.User && e.Key == "oracle");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Device && e.Key == "web-01");
            var b = r.Alerts[1];
            Assert.Equal(Severity.High, b.Severity); // level 12
            Assert.Contains(b.Evidence, e => e.Type == EntityType.Process && e.Key == "win-02.corp.local|6060|2025-09-01 03:09:59.000");
            Assert.Contains(b.Evidence, e => e.Type == EntityType.File && e.Key == new string('f', 64));
            Assert.Contains(b.Evidence, e => e.Type == EntityType.User && e.Key == @"corp\ivan");
        }
    }

    public class GoogleSecOpsReaderTests
    {
        [SkippableFact]
        public void IntegrationSample_UdmNouns()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("google-secops-detection/elastic_integrations_google_secops_detection.jsonl"));
            Assert.Equal("GoogleSecOps", r.Format);
            var a = Assert.Single(r.Alerts);
            Assert.Equal("suspicious_USER_LOGIN_2", a.Title);
            Assert.Equal(Severity.Medium, a.Severity);
            var types = a.Evidence.Select(e => e.Type).Distinct().ToList();
            foreach (var t in new[] { EntityType.Device, EntityType.Ip, EntityType.User, EntityType.File, EntityType.Process, EntityType.RegistryValue, EntityType.Url, EntityType.Domain, EntityType.Mailbox })
                Assert.Contains(t, types);
        }

        [Fact]
        public void Fixture_ApiShape()
        {
            var a = Assert.Single(ReaderHarness.ReadFile(TestData.Fixture("google-secops/detection.json")).Alerts);
            Assert.Equal("rare_admin_login", a.Title);
            Assert.Equal(Severity.High, a.Severity);
            Assert.Equal("InitialAccess", a.Category);
            Assert.Equal(new[] { "T1078" }, a.MitreTechniques);
            Assert.Equal(new DateTimeOffset(2025, 10, 1, 11, 0, 0, TimeSpan.Zero), a.FirstActivityDateTime);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.User && e.Key == "judy@example.org");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Ip && e.Key == "203.0.113.200");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Device && e.Key == "vpn-gw.example.org");
        }
    }
}
