using System;
using System.IO;
using System.Linq;
using IncidentTools.Import;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>Import limits: long fields and evidence lists are cut to the caps, every cut is on the alert, ids and originals never are.</summary>
    public class LimitsTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);

        static ImportSummary Import(TestStore s, ImportLimits limits, params JObject[] alerts)
        {
            using var session = new ImportSession(s.Store, new ImportOptions { Limits = limits }, s.Problems.Add);
            foreach (var a in alerts) session.ImportObject(a);
            return session.Complete();
        }

        [Fact]
        public void Default_caps_cut_title_description_entity_names_and_evidence_and_record_each_cut()
        {
            using var s = new TestStore();
            var ips = Enumerable.Range(0, 1500).Select(i => GraphAlert.Ip($"10.{i / 250}.{i % 250}.1")).ToArray();
            var a = GraphAlert.Make("big", Min(0), ips);
            string longIncidentId = new string('7', 40000);
            a["title"] = new string('T', 5000);
            a["description"] = new string('D', 100_000);
            a["incidentId"] = longIncidentId;
            a["systemTags"] = new JArray(new string('g', 40000));
            ((JArray)a["evidence"]!).Add(GraphAlert.User(new string('u', 50000) + "@contoso.com"));
            string original = a.ToString(Formatting.None);

            var summary = Import(s, new ImportLimits(), a);
            Assert.Empty(s.Problems);
            Assert.Equal(1, summary.Created);
            var stored = Assert.Single(s.Reader.Alerts(null, null, includeOriginal: true));
            Assert.Equal(ImportLimits.DefaultMaxTitleLength, stored.Title.Length);
            Assert.Equal(ImportLimits.DefaultMaxFieldLength, stored.Description!.Length);
            Assert.Equal(ImportLimits.DefaultMaxEvidencePerAlert, stored.Evidence.Count);
            Assert.Equal(ImportLimits.DefaultMaxFieldLength, stored.ProviderContext["SystemTags"].Length);

            var cuts = stored.Truncated.ToDictionary(t => t.Field);
            Assert.Equal((5000, ImportLimits.DefaultMaxTitleLength), (cuts["Title"].OriginalLength, cuts["Title"].KeptLength));
            Assert.Equal(100_000, cuts["Description"].OriginalLength);
            Assert.Equal(40000, cuts["ProviderContext[SystemTags]"].OriginalLength);
            Assert.Equal((1501, ImportLimits.DefaultMaxEvidencePerAlert), (cuts["Evidence"].OriginalLength, cuts["Evidence"].KeptLength));
            Assert.Contains(stored.Truncated, t => t.Field.StartsWith("Evidence[User:") && t.Field.EndsWith(".Name") && t.OriginalLength == 50012);

            // Never cut: ids, and the original record kept with the alert.
            Assert.Equal(longIncidentId, stored.ProviderContext["ProviderIncidentId"]);
            Assert.Equal(original, stored.OriginalRecord);
        }

        [Fact]
        public void Caps_are_configurable_and_an_alert_within_them_has_nothing_truncated()
        {
            using var s = new TestStore();
            var small = GraphAlert.Make("small", Min(0), GraphAlert.User("alice@contoso.com"));
            var wide = GraphAlert.Make("wide", Min(1), GraphAlert.User("alice@contoso.com"), GraphAlert.Ip("192.0.2.1"), GraphAlert.Ip("192.0.2.2"));
            wide["title"] = "A title longer than twenty characters";
            Import(s, new ImportLimits { MaxTitleLength = 20, MaxEvidencePerAlert = 2 }, small, wide);
            Assert.Empty(Assert.Single(s.Reader.Alerts(null, new[] { GraphAlert.AlertId("small") })).Truncated);
            var w = Assert.Single(s.Reader.Alerts(null, new[] { GraphAlert.AlertId("wide") }));
            Assert.Equal("A title longer than ", w.Title);
            Assert.Equal(2, w.Evidence.Count);
            Assert.Equal(new[] { "Evidence (2 of 3)", "Title (20 of 37)" }, w.Truncated.Select(t => t.ToString()));
        }

        [Fact]
        public void The_evidence_cap_holds_when_the_store_merges_rows_of_one_alert()
        {
            using var s = new TestStore();
            using (var session = new ImportSession(s.Store, new ImportOptions { Limits = new ImportLimits { MaxEvidencePerAlert = 2 } }, s.Problems.Add))
            {
                session.ImportFile(TestData.Fixture("guide/guide_fixture.csv"));
                session.Complete();
            }
            var a = Assert.Single(s.Reader.Alerts(null, new[] { "guide:5:100" }));
            Assert.Equal(2, a.Evidence.Count);
            var cut = Assert.Single(a.Truncated);
            Assert.Equal(("Evidence", 3L, 2L), (cut.Field, cut.OriginalLength, cut.KeptLength));
        }

        [Fact]
        public void A_new_copy_of_the_alert_that_fits_clears_the_old_title_cut()
        {
            using var s = new TestStore();
            var a = GraphAlert.Make("t", Min(0), GraphAlert.User("alice@contoso.com"));
            a["title"] = new string('x', 3000);
            Import(s, new ImportLimits(), a);
            a["title"] = "Fixed title";
            Import(s, new ImportLimits(), a);
            var stored = Assert.Single(s.Reader.Alerts(null, null));
            Assert.Equal("Fixed title", stored.Title);
            Assert.Empty(stored.Truncated);
        }

        [Fact]
        public void An_entity_key_over_the_cap_keeps_its_identity_as_a_digest()
        {
            using var s = new TestStore();
            string hugeUrl = "https://example.org/" + new string('a', 100_000);
            Import(s, new ImportLimits(), GraphAlert.Make("u1", Min(0), GraphAlert.Url(hugeUrl)), GraphAlert.Make("u2", Min(5), GraphAlert.Url(hugeUrl)));
            var keys = s.Reader.Alerts(null, null).SelectMany(a => a.Evidence).Select(e => e.Key).Distinct().ToList();
            var key = Assert.Single(keys);
            Assert.StartsWith("sha256:", key);
            Assert.Equal(s.IncidentOf("u1"), s.IncidentOf("u2"));
        }

        [Theory]
        [InlineData(0, 100, 10)]
        [InlineData(100, 10, 10)]
        [InlineData(100, 100, 0)]
        public void Caps_too_small_to_be_useful_are_refused(int title, int field, int evidence)
        {
            using var s = new TestStore();
            Assert.Throws<ArgumentOutOfRangeException>(() =>
                new ImportSession(s.Store, new ImportOptions { Limits = new ImportLimits { MaxTitleLength = title, MaxFieldLength = field, MaxEvidencePerAlert = evidence } }, s.Problems.Add));
        }
    }
}
