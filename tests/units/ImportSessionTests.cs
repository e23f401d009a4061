using System;
using System.IO;
using System.Linq;
using IncidentTools.Import;
using IncidentTools.Store;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>The import pipeline: files and objects in, problems named by file and line, a summary a job can act on.</summary>
    public class ImportSessionTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);

        static string Line(JObject o) => o.ToString(Formatting.None);

        static string Write(TestStore s, string name, string text)
        {
            var path = Path.Combine(s.Folder, name);
            File.WriteAllText(path, text);
            return path;
        }

        [Fact]
        public void A_broken_ndjson_line_is_one_problem_naming_file_and_line_and_the_other_lines_import()
        {
            using var s = new TestStore();
            var path = Write(s, "alerts.ndjson", string.Join("\n",
                Line(GraphAlert.Make("n1", Min(0), GraphAlert.User("alice@contoso.com"))),
                "{\"id\": \"n2\", \"title\": \"broken\", ",
                Line(GraphAlert.Make("n3", Min(5), GraphAlert.User("alice@contoso.com"))),
                Line(GraphAlert.Make("n4", Min(9), GraphAlert.User("bob@contoso.com")))) + "\n");
            var summary = s.ImportFile(path);

            var problem = Assert.Single(s.Problems);
            Assert.Equal(Path.GetFullPath(path), problem.Source);
            Assert.Equal(2, problem.Line);
            Assert.False(problem.WholeFile);
            Assert.Contains(path, problem.ToString());
            Assert.Contains("line 2", problem.ToString());
            Assert.Equal(3, summary.Created);
            Assert.Equal(1, summary.Failed);
            Assert.Equal(new[] { "n1", "n3", "n4" }, s.Reader.Alerts(null, null).Select(a => a.ProviderAlertId).OrderBy(x => x));
            Assert.Equal(s.IncidentOf("n1"), s.IncidentOf("n3"));
        }

        [Fact]
        public void A_broken_first_ndjson_line_is_one_problem_and_the_other_lines_import()
        {
            using var s = new TestStore();
            var path = Write(s, "first-broken.ndjson", string.Join("\n",
                "{\"id\": \"n0\", \"title\": ",
                Line(GraphAlert.Make("n1", Min(0), GraphAlert.User("alice@contoso.com"))),
                Line(GraphAlert.Make("n2", Min(5), GraphAlert.User("alice@contoso.com")))) + "\n");
            var summary = s.ImportFile(path);

            var problem = Assert.Single(s.Problems);
            Assert.Equal(Path.GetFullPath(path), problem.Source);
            Assert.Equal(1, problem.Line);
            Assert.Equal(2, summary.Created);
        }

        [Fact]
        public void A_record_missing_a_required_field_is_one_problem_with_its_line()
        {
            using var s = new TestStore();
            var bad = GraphAlert.Make("n2", Min(1), GraphAlert.User("alice@contoso.com"));
            bad.Remove("title");
            bad["serviceSource"] = "microsoftDefenderForEndpoint";
            var path = Write(s, "missing.ndjson", string.Join("\n",
                Line(GraphAlert.Make("n1", Min(0), GraphAlert.User("alice@contoso.com"))), Line(bad),
                Line(GraphAlert.Make("n3", Min(2), GraphAlert.User("alice@contoso.com")))));
            var summary = s.ImportFile(path);
            var problem = Assert.Single(s.Problems);
            Assert.Equal(2, problem.Line);
            Assert.Contains("title", problem.Message);
            Assert.Equal(2, summary.Created);
        }

        [Fact]
        public void An_empty_file_is_one_whole_file_problem()
        {
            using var s = new TestStore();
            var path = Write(s, "empty.json", "");
            var summary = s.ImportFile(path);
            var problem = Assert.Single(s.Problems);
            Assert.True(problem.WholeFile);
            Assert.Equal(Path.GetFullPath(path), problem.Source);
            Assert.Equal(0, summary.Created);
            Assert.Equal(1, summary.Files);
        }

        [Fact]
        public void A_file_of_whitespace_only_is_one_problem()
        {
            using var s = new TestStore();
            var path = Write(s, "blank.json", "  \n\n ");
            s.ImportFile(path);
            var problem = Assert.Single(s.Problems);
            Assert.Equal(Path.GetFullPath(path), problem.Source);
        }

        [Fact]
        public void A_missing_file_is_one_problem()
        {
            using var s = new TestStore();
            var path = Path.Combine(s.Folder, "nope.json");
            s.ImportFile(path);
            var problem = Assert.Single(s.Problems);
            Assert.True(problem.WholeFile);
            Assert.Contains("does not exist", problem.Message);
        }

        [Fact]
        public void A_graph_list_response_file_imports_every_alert()
        {
            using var s = new TestStore();
            var doc = new JObject
            {
                ["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2",
                ["value"] = new JArray(GraphAlert.Make("g1", Min(0), GraphAlert.User("alice@contoso.com")),
                                       GraphAlert.Make("g2", Min(3), GraphAlert.User("alice@contoso.com")),
                                       GraphAlert.Make("g3", Min(6), GraphAlert.Ip("203.0.113.7"))),
            };
            var path = Write(s, "page1.json", doc.ToString());
            var summary = s.ImportFile(path);
            Assert.Empty(s.Problems);
            Assert.Equal(3, summary.Read);
            Assert.Equal(3, summary.Created);
            Assert.Equal(2, summary.CreatedIncidentIds.Length);
        }

        [Fact]
        public void An_unchanged_file_is_not_read_again()
        {
            using var s = new TestStore();
            var path = Write(s, "alerts.ndjson", Line(GraphAlert.Make("n1", Min(0), GraphAlert.User("alice@contoso.com"))) + "\n");
            s.ImportFile(path);
            var again = s.ImportFile(path);
            Assert.Equal(1, again.UnchangedFiles);
            Assert.Equal(0, again.Read);
            var forced = s.ImportFile(path, new ImportOptions { Force = true });
            Assert.Equal(1, forced.Read);
            Assert.Equal(1, forced.Unchanged);
            Assert.Empty(s.Problems);
        }

        [Fact]
        public void The_summary_lists_created_updated_and_merged_incidents()
        {
            using var s = new TestStore();
            var first = s.Import(GraphAlert.Make("x1", Min(0), GraphAlert.User("gina@contoso.com")),
                                 GraphAlert.Make("x2", Min(5), GraphAlert.Device("dev-2", "ws02.contoso.local")),
                                 GraphAlert.Make("x3", Min(6), GraphAlert.User("gina@contoso.com")));
            long a = s.IncidentOf("x1"), b = s.IncidentOf("x2");
            Assert.Equal(new[] { a, b }, first.CreatedIncidentIds);
            Assert.Empty(first.UpdatedIncidentIds); // x3 joined an incident this import created: listed as created only
            Assert.Empty(first.MergedIncidentIds);
            Assert.Equal(3, first.Created);
            Assert.Equal(2, first.IncidentsCreated);

            var second = s.Import(GraphAlert.Make("x4", Min(20), GraphAlert.User("gina@contoso.com"), GraphAlert.Device("dev-2", "ws02")),
                                  GraphAlert.Make("x5", Min(21), GraphAlert.Url("http://other.example/")));
            long c = s.IncidentOf("x5");
            Assert.Equal(new[] { c }, second.CreatedIncidentIds);
            Assert.Equal(new[] { a }, second.UpdatedIncidentIds);
            Assert.Equal(new[] { b }, second.MergedIncidentIds);
            Assert.Equal(1, second.IncidentsMerged);

            // The summary is kept with the import.
            var stored = Convert.ToString(s.Store.Scalar("SELECT summary FROM imports WHERE id = $id", null, ("$id", second.ImportId)));
            Assert.Contains("\"MergedIncidentIds\":[" + b + "]", stored);
        }

        [Fact]
        public void An_incident_created_and_absorbed_in_the_same_import_is_listed_as_merged_only()
        {
            using var s = new TestStore();
            var summary = s.Import(GraphAlert.Make("x1", Min(0), GraphAlert.User("gina@contoso.com")),
                                   GraphAlert.Make("x2", Min(5), GraphAlert.Device("dev-2", "ws02.contoso.local")),
                                   GraphAlert.Make("x3", Min(20), GraphAlert.User("gina@contoso.com"), GraphAlert.Device("dev-2", "ws02")));
            long a = s.IncidentOf("x1");
            Assert.Equal(new[] { a }, summary.CreatedIncidentIds);
            Assert.Single(summary.MergedIncidentIds);
            Assert.DoesNotContain(a, summary.MergedIncidentIds);
            Assert.Empty(summary.UpdatedIncidentIds);
        }

        [Fact]
        public void A_pipeline_object_that_is_no_known_format_is_one_problem()
        {
            using var s = new TestStore();
            using var session = new ImportSession(s.Store, new ImportOptions(), s.Problems.Add);
            session.ImportObject(JObject.Parse("{\"hello\": \"world\"}"));
            var summary = session.Complete();
            Assert.Single(s.Problems);
            Assert.Equal(1, summary.Failed);
            Assert.Equal(0, summary.Created);
        }

        [Fact]
        public void An_unknown_format_name_is_refused()
        {
            using var s = new TestStore();
            var ex = Assert.Throws<ArgumentException>(() => new ImportSession(s.Store, new ImportOptions { Format = "NoSuchFormat" }, s.Problems.Add));
            Assert.Contains("GraphAlertV2", ex.Message);
        }

        [Fact]
        public void Session_ids_of_stored_alerts_are_available_for_passthru()
        {
            using var s = new TestStore();
            using (var session = new ImportSession(s.Store, new ImportOptions { KeepAlertIds = true }, s.Problems.Add))
            {
                session.ImportObject(GraphAlert.Make("p1", Min(0), GraphAlert.User("alice@contoso.com")));
                session.ImportObject(GraphAlert.Make("p2", Min(1), GraphAlert.User("alice@contoso.com")));
                session.Complete();
                Assert.Equal(new[] { GraphAlert.AlertId("p1"), GraphAlert.AlertId("p2") }, session.AlertIds);
            }
            // Without -PassThru the ids are not kept, so memory stays flat on huge imports.
            using (var session = new ImportSession(s.Store, new ImportOptions(), s.Problems.Add))
            {
                session.ImportObject(GraphAlert.Make("p3", Min(2), GraphAlert.User("alice@contoso.com")));
                session.Complete();
                Assert.Empty(session.AlertIds);
            }
        }
        /// <summary>Advanced hunting exports may bring AlertEvidence before AlertInfo: the evidence waits, then joins its alert.</summary>
        [Fact]
        public void Evidence_imported_before_its_alert_waits_and_joins_the_alert_when_it_arrives()
        {
            using var s = new TestStore();
            var first = s.ImportFile(TestData.Fixture("advanced-hunting/alertevidence.csv"));
            Assert.Equal(0, first.Created);
            Assert.True(first.PendingEvidence > 0);
            Assert.Equal(first.PendingEvidence, s.Count("SELECT count(*) FROM pending_evidence"));

            var second = s.ImportFile(TestData.Fixture("advanced-hunting/alertinfo.csv"));
            Assert.Equal(2, second.Created);
            Assert.Equal(0, s.Count("SELECT count(*) FROM pending_evidence"));
            var injection = s.Reader.Alerts(null, null).Single(a => a.ProviderAlertId == "da0000000000000000001_1");
            Assert.Contains(injection.Evidence, e => e.Type == EntityType.Process);
            Assert.Contains(injection.Evidence, e => e.Type == EntityType.Ip && e.Key == "192.0.2.44");
        }

        [Fact]
        public void Evidence_read_earlier_in_the_same_file_joins_its_alert()
        {
            using var s = new TestStore();
            // An AlertEvidence row, then another table's row, then the AlertInfo row of the same alert: one write transaction.
            var summary = s.ImportFile(TestData.Fixture("advanced-hunting/streaming.jsonl"));
            Assert.Equal(1, summary.Created);
            Assert.Empty(s.Problems);
            Assert.Equal(0, s.Count("SELECT count(*) FROM pending_evidence"));
            var spray = Assert.Single(s.Reader.Alerts(null, null));
            Assert.Equal("da0000000000000000003_3", spray.ProviderAlertId);
            Assert.Contains(spray.Evidence, e => e.Type == EntityType.User && e.Key == "carol@fabrikam.com");
        }
    }
}
