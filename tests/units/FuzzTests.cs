using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using IncidentTools.Import;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>
    /// Hostile and broken input through every reader: truncated files, flipped and invalid bytes, NUL, wrong types,
    /// deep nesting, huge values, odd dates, unclosed CSV quotes, 10 MB fields. Every case finishes within a timeout,
    /// throws nothing, reports each bad record once with its file and line or record, and imports the good records.
    /// Seeds are fixed, so a failure reproduces.
    /// </summary>
    public class FuzzTests
    {
        static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

        static readonly string[] Fixtures =
        {
            "advanced-hunting/alertevidence.csv", "advanced-hunting/alertinfo.csv", "advanced-hunting/streaming.jsonl",
            "chainsaw/hunt.csv", "chainsaw/hunt.json", "elastic/alert.jsonl", "google-secops/detection.json",
            "guide/guide_fixture.csv", "hayabusa/timeline.jsonl", "ocsf/findings.jsonl", "sentinel/securityalert_newer.json",
            "suricata/eve.json", "wazuh/alerts.json",
        };

        /// <summary>Imports one file in its own session, bounded by a timeout; returns the summary and the problems.</summary>
        static (ImportSummary Summary, List<ImportProblem> Problems) ImportBounded(TestStore s, string path, ImportOptions? options = null)
        {
            var problems = new List<ImportProblem>();
            var task = Task.Run(() =>
            {
                using var session = new ImportSession(s.Store, options ?? new ImportOptions { Force = true }, problems.Add);
                session.ImportFile(path);
                return session.Complete();
            });
            Assert.True(task.Wait(CaseTimeout), $"importing {Path.GetFileName(path)} did not finish within {CaseTimeout.TotalSeconds} s");
            return (task.Result, problems);
        }

        /// <summary>What must hold for any input: problems name the file; record problems say where; failures are counted once each.</summary>
        static void AssertWellReported(string path, ImportSummary summary, List<ImportProblem> problems)
        {
            string full = Path.GetFullPath(path);
            foreach (var p in problems)
            {
                Assert.Equal(full, p.Source);
                Assert.False(string.IsNullOrWhiteSpace(p.Message));
                if (!p.WholeFile) Assert.True(p.Line > 0 || p.Record > 0, $"{p} says neither line nor record");
            }
            Assert.Equal(problems.Count(p => !p.WholeFile), summary.Failed);
            Assert.True(problems.Count(p => p.WholeFile) <= 1, string.Join("\n", problems));
        }

        static IEnumerable<(string Name, byte[] Bytes)> Mutations(byte[] original, Random random)
        {
            for (int i = 0; i < 3; i++)
            {
                int cut = random.Next(1, original.Length);
                yield return ($"truncated at byte {cut}", original.Take(cut).ToArray());
            }
            foreach (var (label, bytes) in new (string, byte[])[]
                     {
                         ("NUL", new byte[] { 0 }), ("invalid UTF-8", new byte[] { 0xC3, 0x28, 0xFF, 0xFE }),
                         ("lone quote", new byte[] { (byte)'"' }), ("brace", new byte[] { (byte)'{' }),
                         ("ANSI escape", Encoding.UTF8.GetBytes("\u001b[2J\u001b]0;pwned\u0007")),
                     })
            {
                var copy = original.ToList();
                copy.InsertRange(random.Next(0, copy.Count), bytes);
                yield return ($"{label} inserted", copy.ToArray());
            }
            var flipped = (byte[])original.Clone();
            for (int i = 0; i < 8; i++) flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            yield return ("8 bits flipped", flipped);
        }

        [Fact]
        public void Every_reader_survives_truncation_inserted_bytes_and_bit_flips()
        {
            var random = new Random(20260302);
            foreach (var fixture in Fixtures)
            {
                using var s = new TestStore();
                var original = File.ReadAllBytes(TestData.Fixture(fixture));
                int n = 0;
                foreach (var (name, bytes) in Mutations(original, random))
                {
                    string path = Path.Combine(s.Folder, $"case{n++}{Path.GetExtension(fixture)}");
                    File.WriteAllBytes(path, bytes);
                    var (summary, problems) = ImportBounded(s, path);
                    try { AssertWellReported(path, summary, problems); }
                    catch (Exception ex) { throw new Xunit.Sdk.XunitException($"{fixture}, {name}: {ex.Message}"); }
                }
            }
        }

        static readonly JToken[] HostileValues =
        {
            JValue.CreateNull(), true, 0, -1, long.MaxValue, double.MaxValue, 1e-300, "", " ", "\0", "null", "-",
            "9999-99-99T99:99:99Z", "31/12/2024 25:61", "yesterday", "1e400", "0x7fffffff", "-62135596800", "253402300800000",
            new JArray(), new JArray(1, "a", null), new JObject(), JObject.Parse("{\"$ref\":\"1\"}"),
            "'; DROP TABLE alerts; --", "{0} %s %n %x", "<script>alert(1)</script>", "\u001b[31mred\u001b[0m", "\uD800",
        };

        /// <summary>Every leaf of every record of a JSON Lines fixture, replaced in turn by each hostile value (one record at a time).</summary>
        [Fact]
        public void Wrong_types_odd_dates_and_out_of_range_numbers_in_any_field_are_one_error_or_a_clean_import()
        {
            var random = new Random(7);
            foreach (var fixture in Fixtures.Where(f => f.EndsWith(".jsonl")))
            {
                using var s = new TestStore();
                var lines = File.ReadAllLines(TestData.Fixture(fixture)).Where(l => l.Trim().Length > 0).ToArray();
                for (int round = 0; round < 12; round++)
                {
                    int victim = random.Next(lines.Length);
                    var record = JObject.Parse(lines[victim]);
                    var leaves = record.Descendants().OfType<JValue>().ToList();
                    var leaf = leaves[random.Next(leaves.Count)];
                    var value = HostileValues[random.Next(HostileValues.Length)];
                    string where = leaf.Path;
                    leaf.Replace(value.DeepClone());
                    var mutated = lines.ToArray();
                    mutated[victim] = record.ToString(Formatting.None);
                    string path = Path.Combine(s.Folder, $"round{round}.jsonl");
                    File.WriteAllLines(path, mutated, new UTF8Encoding(false, false));
                    var (summary, problems) = ImportBounded(s, path);
                    string label = $"{fixture}: line {victim + 1}, {where} = {value.ToString(Formatting.None)}";
                    AssertWellReported(path, summary, problems);
                    var recordProblems = problems.Where(p => !p.WholeFile).ToList();
                    Assert.True(recordProblems.Count <= 1, label + "\n" + string.Join("\n", recordProblems));
                    if (recordProblems.Count == 1) Assert.Equal(victim + 1, recordProblems[0].Line);
                    Assert.True(summary.Read == lines.Length, $"{label}: read {summary.Read} of {lines.Length}");
                }
            }
        }

        static string GraphLine(string id, int minute)
            => GraphAlert.Make(id, TimeSpan.FromMinutes(minute), GraphAlert.User("alice@contoso.com")).ToString(Formatting.None);

        [Fact]
        public void Hostile_lines_among_good_ones_are_one_error_each_and_the_good_lines_import()
        {
            using var s = new TestStore();
            var badTitle = GraphAlert.Make("b1", TimeSpan.Zero, GraphAlert.User("alice@contoso.com"));
            badTitle["title"] = new JObject { ["nested"] = 1 };
            var badDate = GraphAlert.Make("b2", TimeSpan.Zero, GraphAlert.User("alice@contoso.com"));
            badDate["createdDateTime"] = "le 31 février"; badDate["firstActivityDateTime"] = "-"; badDate["lastActivityDateTime"] = 1e300;
            var hostile = new[]
            {
                new string('[', 100_000) + new string(']', 100_000),          // far deeper than any reader allows
                "{\"id\": \"b0\", \"title\": \"" + new string('x', 1000) + "",  // truncated mid-string
                badTitle.ToString(Formatting.None),
                badDate.ToString(Formatting.None),
                "{\"id\": 1e400, \"title\": 99999999999999999999999999999}",
                "\"just a string\"",
            };
            var lines = new List<string>();
            int good = 0;
            foreach (var h in hostile) { lines.Add(GraphLine("g" + good, good)); good++; lines.Add(h); }
            lines.Add(GraphLine("g" + good, good)); good++;
            string path = Path.Combine(s.Folder, "hostile.jsonl");
            File.WriteAllLines(path, lines);
            // Invalid UTF-8 and NUL bytes inside an otherwise good line's strings.
            File.AppendAllText(path, "");
            using (var f = new FileStream(path, FileMode.Append))
            {
                var text = GraphLine("g" + good, good).Replace("\"title\":\"", "\"title\":\"bad\u0000");
                var bytes = Encoding.UTF8.GetBytes(text).ToList();
                bytes.InsertRange(bytes.IndexOf((byte)'b'), new byte[] { 0xC3, 0x28, 0xFF });
                bytes.Add((byte)'\n');
                f.Write(bytes.ToArray());
                good++;
            }

            var (summary, problems) = ImportBounded(s, path);
            AssertWellReported(path, summary, problems);
            Assert.True(hostile.Length == problems.Count, string.Join("\n", problems));
            Assert.Equal(Enumerable.Range(0, hostile.Length).Select(i => (long)(2 * i + 2)), problems.Select(p => p.Line));
            Assert.Equal(good, summary.Created);
            var withNul = Assert.Single(s.Reader.Alerts(null, new[] { GraphAlert.AlertId("g" + (good - 1)) }));
            Assert.Contains("\0", withNul.Title);
            Assert.Contains("\uFFFD", withNul.Title); // invalid UTF-8 is replaced, not a reason to lose the alert
        }

        [Fact]
        public void An_unclosed_csv_quote_is_one_error_and_the_rows_it_swallowed_are_still_imported()
        {
            using var s = new TestStore();
            var lines = File.ReadAllLines(TestData.Fixture("guide/guide_fixture.csv"));
            // Row 3 (line 3) gets a quote that is never closed: it would swallow every line after it.
            var broken = lines.ToArray();
            broken[2] = broken[2].Replace(",Exfiltration,", ",\"Exfiltration,");
            string path = Path.Combine(s.Folder, "unclosed.csv");
            File.WriteAllLines(path, broken);
            var (summary, problems) = ImportBounded(s, path);
            AssertWellReported(path, summary, problems);
            var problem = Assert.Single(problems);
            Assert.Equal(3, problem.Line);
            Assert.Contains("quote", problem.Message);
            Assert.Equal(lines.Length - 2, summary.Read);   // every other row
            Assert.Equal(4, summary.Created);               // five alerts in the fixture, less the broken row's own
        }

        [Fact]
        public void A_10_MB_field_is_read_cut_to_the_field_cap_and_the_cut_recorded_within_bounded_memory()
        {
            using var s = new TestStore();
            var lines = File.ReadAllLines(TestData.Fixture("chainsaw/hunt.csv")).ToList();
            string huge = new string('A', 10 * 1024 * 1024);
            string path = Path.Combine(s.Folder, "huge.csv");
            var text = string.Join("\n", lines).Replace(",Suspicious New Service Creation,", ",Suspicious New Service Creation " + huge + ",");
            File.WriteAllText(path, text);
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var (summary, problems) = ImportBounded(s, path);
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            AssertWellReported(path, summary, problems);
            Assert.Empty(problems);
            Assert.True(allocated < 2L * 1024 * 1024 * 1024, $"a 10 MB field allocated {allocated / 1048576} MB");
            var cut = s.Reader.Alerts(null, null).SelectMany(a => a.Truncated).ToList();
            Assert.NotEmpty(cut);
            Assert.All(cut, t => Assert.True(t.OriginalLength > 10 * 1024 * 1024 && t.KeptLength <= ImportLimits.DefaultMaxFieldLength, t.ToString()));
            Assert.Contains(cut, t => t.Field == "Title" && t.KeptLength == ImportLimits.DefaultMaxTitleLength);
        }

        [Theory]
        [InlineData("hayabusa/timeline.jsonl", "RuleTitle")]
        [InlineData("wazuh/alerts.json", "rule.description")]
        [InlineData("advanced-hunting/streaming.jsonl", "properties.Title")]
        public void A_required_text_field_holding_an_object_is_a_wrong_type_error_not_its_json_text(string fixture, string path)
        {
            var lines = File.ReadAllLines(TestData.Fixture(fixture)).Where(l => l.Trim().Length > 0).ToArray();
            int victim = Array.FindIndex(lines, l => JObject.Parse(l).SelectToken(path) != null);
            var record = JObject.Parse(lines[victim]);
            record.SelectToken(path)!.Replace(new JObject { ["injected"] = "{0}" });
            lines[victim] = record.ToString(Formatting.None);
            using var s = new TestStore();
            string file = Path.Combine(s.Folder, "typed" + Path.GetExtension(fixture));
            File.WriteAllLines(file, lines);
            var (summary, problems) = ImportBounded(s, file);
            AssertWellReported(file, summary, problems);
            var problem = Assert.Single(problems);
            Assert.Equal(victim + 1, problem.Line);
            Assert.Contains("not text", problem.Message);
        }

        [Fact]
        public void A_json_document_nested_deeper_than_allowed_is_one_error_not_a_crash()
        {
            using var s = new TestStore();
            string path = Path.Combine(s.Folder, "deep.json");
            File.WriteAllText(path, "[{\"id\":\"d1\",\"x\":" + new string('[', 50_000) + new string(']', 50_000) + "}]");
            var (summary, problems) = ImportBounded(s, path);
            AssertWellReported(path, summary, problems);
            Assert.Single(problems);
            Assert.Equal(0, summary.Created);
        }
    }
}
