using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using IncidentTools.Correlation;
using IncidentTools.Import;
using Newtonsoft.Json.Linq;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>
    /// The determinism promise on real data: the same alerts group the same way imported at once, one by one in
    /// time order, or in reverse order inside one import; and a replay under the same policy reproduces the
    /// incidents exactly.
    /// </summary>
    public class CorrelationDeterminismTests
    {
        public static IEnumerable<object[]> Files => new[]
        {
            new object[] { "samples/contoso-graph-alerts.json" },
            new object[] { "shared:sentinel-securityalert/msticpy_alertlist.csv" },
            new object[] { "shared:wazuh-alerts/wazuh_docs_osquery_alerts.jsonl" },
            new object[] { "shared:suricata-eve/icedid_eve.json" },
            new object[] { "shared:hayabusa-json/hayabusa_docs_examples.jsonl" },
            new object[] { "shared:elastic-security-alert/elastic_integrations_elastic_security_alert.jsonl" },
        };

        static string Resolve(string file)
        {
            if (file.StartsWith("shared:", StringComparison.Ordinal)) return TestData.Shared(file.Substring("shared:".Length));
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "IncidentTools.sln"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), file);
        }

        /// <summary>The grouping, independent of incident ids: each live incident as its sorted alert ids.</summary>
        static SortedSet<string> Partition(TestStore s)
            => new SortedSet<string>(s.Reader.Alerts(null, null).GroupBy(a => a.IncidentId)
                .Select(g => string.Join(" ", g.Select(a => a.Id).OrderBy(x => x, StringComparer.Ordinal))), StringComparer.Ordinal);

        [SkippableTheory]
        [MemberData(nameof(Files))]
        public void The_same_alerts_group_the_same_way_in_any_import_order(string file)
        {
            string path = Resolve(file);
            using var atOnce = new TestStore();
            atOnce.ImportFile(path);
            var alerts = atOnce.Reader.Alerts(null, null, includeOriginal: true).ToList();
            Assert.NotEmpty(alerts);
            Assert.All(alerts, a => Assert.NotNull(a.OriginalRecord));
            var expected = Partition(atOnce);

            using var oneByOne = new TestStore();
            foreach (var a in alerts.OrderBy(a => a.FirstActivityDateTime).ThenBy(a => a.Id, StringComparer.Ordinal))
                oneByOne.Import(JObject.Parse(a.OriginalRecord!));
            var got = Partition(oneByOne);
            Assert.True(expected.SetEquals(got), "at once only: " + string.Join(" | ", expected.Except(got)) + "\none by one only: " + string.Join(" | ", got.Except(expected)));

            using var reversed = new TestStore();
            reversed.Import(alerts.AsEnumerable().Reverse().Select(a => JObject.Parse(a.OriginalRecord!)).ToArray());
            Assert.Equal(expected, Partition(reversed));
        }

        [SkippableTheory]
        [MemberData(nameof(Files))]
        public void A_replay_under_the_same_policy_reproduces_the_incidents(string file)
        {
            using var s = new TestStore();
            s.ImportFile(Resolve(file));
            var before = s.Assignment();
            var changes = new CorrelationReplay(s.Store, CorrelationPolicyStore.Load(s.Store)).Run(null, apply: true, "test");
            Assert.Empty(changes);
            Assert.Equal(before, s.Assignment());
        }
    }
}
