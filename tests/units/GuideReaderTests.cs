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
        public void Sample10k_OneAlertPerOrgAndAlertId_RestOfTheRowsAreEvidence()
        {
            var r = ReaderHarness.ReadFile(TestData.Shared("guide/guide_sample10k_yasin281.csv"));
            Assert.Equal("Guide", r.Format);
            Assert.Empty(r.Errors);
            Assert.Equal(9312, r.Alerts.Count);          // distinct (OrgId, AlertId), per guide/SOURCES.md
            Assert.Equal(9312, r.AlertKeys.Count);
            Assert.Equal(10000 - 9312, r.EvidenceItems.Count);
            Assert.All(r.Items, i => Assert.Equal("guide", i.Family));
            Assert.Equal(1061, r.Alerts.Select(a => a.TenantId).Distinct().Count());
            Assert.All(r.Alerts, a => Assert.True(a.ProviderContext.ContainsKey("ProviderIncidentId")));
            Assert.Equal(3598 + 4226 + 2176, r.Alerts.Count + r.EvidenceItems.Count);
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
            Assert.Equal(3870, r.Alerts.Count);
            Assert.Equal(130, r.EvidenceItems.Count);
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
            Assert.Equal(2, r.EvidenceItems.Count);
            Assert.All(r.EvidenceItems, e => { Assert.Equal("100", e.Alert!.ProviderAlertId); Assert.Equal("5", e.Alert.TenantId); });

            var a = r.Alerts.Single(x => x.TenantId == "5" && x.ProviderAlertId == "100");
            Assert.Equal("33", a.Title);
            Assert.Equal("17", a.DetectorId);
            Assert.Equal("InitialAccess", a.Category);
            Assert.Equal(new[] { "T1078", "T1078.004" }, a.MitreTechniques);
            Assert.Equal("40", a.ProviderContext["ProviderIncidentId"]);
            Assert.Equal("TruePositive", a.ProviderContext["ProviderIncidentGrade"]);
            Assert.Equal(new DateTimeOffset(2024, 6, 1, 10, 0, 0, TimeSpan.Zero), a.FirstActivityDateTime);
            var user = Assert.Single(a.Evidence);
            Assert.Equal(EntityType.User, user.Type);
            Assert.Equal("anon:accountupn:34", user.Key);
            Assert.Equal(new[] { "Impacted" }, user.Roles);
            Assert.Equal("Suspicious", user.Verdict);
            var later = r.EvidenceItems.SelectMany(e => e.Alert!.Evidence).ToList();
            Assert.Contains(later, e => e.Type == EntityType.Ip && e.Key == "anon:ipaddress:4242");
            Assert.Contains(later, e => e.Type == EntityType.Device && e.Key == "anon:devicename:4");

            Assert.Empty(r.Alerts.Single(x => x.TenantId == "5" && x.ProviderAlertId == "200").Evidence); // CloudLogonSession: nothing identifying
            Assert.Empty(r.Alerts.Single(x => x.ProviderAlertId == "301").Evidence);                      // Url row whose Url is the placeholder
            var file = Assert.Single(r.Alerts.Single(x => x.TenantId == "7" && x.ProviderAlertId == "100").Evidence);
            Assert.Equal("anon:sha256:999", file.Key);
            var mail = r.Alerts.Single(x => x.ProviderAlertId == "300").Evidence;
            Assert.Contains(mail, e => e.Type == EntityType.MailMessage && e.Key == "anon:networkmessageid:88");
            Assert.Contains(mail, e => e.Type == EntityType.Mailbox && e.Key == "anon:accountupn:77");
            NoPlaceholderEntities(r);
        }

        [Fact]
        public void AnonymisedIpsAreNotTreatedAsNoise()
        {
            Assert.False(IncidentTools.Normalisation.EntityNormaliser.IsNoise(EntityType.Ip, "anon:ipaddress:4242", "4242"));
        }
    }
}
