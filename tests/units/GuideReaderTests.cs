using System;
using System.Linq;
using IncidentTools.Readers;
using Xunit;

namespace IncidentTools.Tests
{
    public class GuideReaderTests
    {
        static void NoPlaceholderEntities(ReadResult r)
        {
            var placeholders = GuideReader.Placeholders.Select(p => "anon:" + p.Key.ToLowerInvariant() + ":" + p.Value).ToList();
            foreach (var item in r.Items.Where(i => i.Alert != null))
                foreach (var e in item.Alert!.Evidence)
                    Assert.DoesNotContain(placeholders, p => e.Key == p || e.Key.StartsWith(p + "\\"));
        }

        [SkippableFact]
        public void Sample10k_EveryRowIsItsAlert_KeyedByOrgAndAlertId()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("guide/guide_sample10k_yasin281.csv"));
            Assert.Equal("Guide", r.Format);
            Assert.Empty(r.Errors);
            Assert.Equal(10000, r.Alerts.Count);         // one per row; the store merges rows of one alert
            Assert.Equal(9312, r.AlertKeys.Count);       // distinct (OrgId, AlertId), per guide/SOURCES.md
            Assert.Empty(r.EvidenceItems);
            Assert.All(r.Items, i => Assert.Equal("guide", i.Family));
            Assert.Equal(1061, r.Alerts.Select(a => a.TenantId).Distinct().Count());
            Assert.All(r.Alerts, a => Assert.True(a.ProviderContext.ContainsKey("ProviderIncidentId")));
            Assert.Equal(3598 + 4226 + 2176, r.Alerts.Count);
            NoPlaceholderEntities(r);
            // The modal "no value" integers never appear; real values do.
            Assert.DoesNotContain("anon:ipaddress:360606", r.Keys(EntityType.Ip));
            Assert.DoesNotContain("anon:devicename:153085", r.Keys(EntityType.Device));
            var types = r.AlertsWithType();
            foreach (var t in new[] { EntityType.User, EntityType.Ip, EntityType.Device, EntityType.File, EntityType.Url, EntityType.Mailbox,
                                      EntityType.MailMessage, EntityType.Process, EntityType.CloudApplication })
                Assert.True(types.ContainsKey(t), t + " missing");
        }

        [SkippableFact]
        public void Sample4k_CountsAndPlaceholders()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("guide/guide_test_sample4k_uvaasree.csv"));
            Assert.Empty(r.Errors);
            Assert.Equal(4000, r.Alerts.Count);
            Assert.Equal(3870, r.AlertKeys.Count);
            Assert.Equal(712, r.Alerts.Select(a => a.TenantId).Distinct().Count());
            NoPlaceholderEntities(r);
        }

        [Fact]
        public void Fixture_RowsMergeIntoAlerts_OrgIsTenant_IncidentIsContext()
        {
            var r = ReaderHarness.ReadFile(TestData.Fixture("guide/guide_fixture.csv"));
            Assert.Equal("Guide", r.Format);
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { "guide:5:100", "guide:5:200", "guide:7:100", "guide:7:300", "guide:7:301" }, r.AlertKeys.OrderBy(k => k).ToArray());
            Assert.Empty(r.EvidenceItems);

            // Alert 5/100's three rows are scattered among other alerts' rows; the store makes them one alert.
            using var s = new TestStore();
            var summary = s.ImportFile(TestData.Fixture("guide/guide_fixture.csv"));
            Assert.Empty(s.Problems);
            Assert.Equal(7, summary.Read);
            Assert.Equal(5, summary.Created);
            Assert.Equal(2, summary.Updated);
            var alerts = s.Reader.Alerts(null, null).ToList();
            Assert.Equal(5, alerts.Count);

            var a = alerts.Single(x => x.TenantId == "5" && x.ProviderAlertId == "100");
            Assert.Equal("33", a.Title);
            Assert.Equal("17", a.DetectorId);
            Assert.Equal("InitialAccess", a.Category);
            Assert.Equal(new[] { "T1078", "T1078.004" }, a.MitreTechniques);
            Assert.Equal("40", a.ProviderContext["ProviderIncidentId"]);
            Assert.Equal("TruePositive", a.ProviderContext["ProviderIncidentGrade"]);
            Assert.Equal(new DateTimeOffset(2024, 6, 1, 10, 0, 0, TimeSpan.Zero), a.FirstActivityDateTime);
            Assert.Equal(3, a.Evidence.Count);
            var user = a.Evidence.Single(e => e.Type == EntityType.User);
            Assert.Equal("anon:accountupn:34", user.Key);
            Assert.Equal(new[] { "Impacted" }, user.Roles);
            Assert.Equal("Suspicious", user.Verdict);
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Ip && e.Key == "anon:ipaddress:4242");
            Assert.Contains(a.Evidence, e => e.Type == EntityType.Device && e.Key == "anon:devicename:4");

            Assert.Empty(alerts.Single(x => x.TenantId == "5" && x.ProviderAlertId == "200").Evidence); // CloudLogonSession: nothing identifying
            Assert.Empty(alerts.Single(x => x.ProviderAlertId == "301").Evidence);                      // Url row whose Url is the placeholder
            var file = Assert.Single(alerts.Single(x => x.TenantId == "7" && x.ProviderAlertId == "100").Evidence);
            Assert.Equal("anon:sha256:999", file.Key);
            var mail = alerts.Single(x => x.ProviderAlertId == "300").Evidence;
            Assert.Contains(mail, e => e.Type == EntityType.MailMessage && e.Key == "anon:networkmessageid:88");
            Assert.Contains(mail, e => e.Type == EntityType.Mailbox && e.Key == "anon:accountupn:77");
            NoPlaceholderEntities(r);
        }

        [Fact]
        public void Rows_of_one_alert_far_apart_and_in_two_files_become_one_alert_with_all_evidence_and_the_widest_window()
        {
            var lines = System.IO.File.ReadAllLines(TestData.Fixture("guide/guide_fixture.csv"));
            string header = lines[0], ipRow = lines[3], machineRow = lines[5];
            string userRow = lines[1];
            // 2 000 rows of other alerts between two rows of alert 5/100; the last row, in a second file, is an hour later.
            var filler = Enumerable.Range(0, 2000).Select(i => lines[2].Replace(",41,200,", $",41,{1000 + i},"));
            using var s = new TestStore();
            string first = System.IO.Path.Combine(s.Folder, "part1.csv"), second = System.IO.Path.Combine(s.Folder, "part2.csv");
            System.IO.File.WriteAllLines(first, new[] { header, userRow }.Concat(filler).Concat(new[] { ipRow }));
            System.IO.File.WriteAllLines(second, new[] { header, machineRow.Replace("2024-06-01T10:00:00.000Z", "2024-06-01T11:00:00.000Z") });
            using (var session = new IncidentTools.Import.ImportSession(s.Store, new IncidentTools.Import.ImportOptions(), s.Problems.Add))
            {
                session.ImportFile(first);
                session.ImportFile(second);
                var summary = session.Complete();
                Assert.Equal(2003, summary.Read);
                Assert.Equal(2001, summary.Created);
                Assert.Equal(2, summary.Updated);
            }
            Assert.Empty(s.Problems);
            var a = Assert.Single(s.Reader.Alerts(null, new[] { "guide:5:100" }));
            Assert.Equal(new[] { EntityType.Device, EntityType.Ip, EntityType.User }, a.Evidence.Select(e => e.Type).OrderBy(t => t.ToString()));
            Assert.Equal(new DateTimeOffset(2024, 6, 1, 10, 0, 0, TimeSpan.Zero), a.FirstActivityDateTime);
            Assert.Equal(new DateTimeOffset(2024, 6, 1, 11, 0, 0, TimeSpan.Zero), a.LastActivityDateTime);
            Assert.Equal(1, s.Count("SELECT count(*) FROM alerts WHERE provider_alert_id = '100' AND tenant_id = '5'"));
        }

        [Fact]
        public void AnonymisedIpsAreNotTreatedAsNoise()
        {
            Assert.False(IncidentTools.Normalisation.EntityNormaliser.IsNoise(EntityType.Ip, "anon:ipaddress:4242", "4242"));
        }
    }
}
