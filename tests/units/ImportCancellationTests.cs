using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using IncidentTools.Import;
using IncidentTools.Store;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>Ctrl+C in the middle of an import: the store stays consistent and keeps whole alerts; skipped records are reported.</summary>
    public class ImportCancellationTests
    {
        static string BigExport(string folder, int count)
        {
            var sb = new StringBuilder();
            var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            for (int i = 0; i < count; i++)
            {
                string ts = t0.AddMinutes(i).ToString("o");
                sb.Append("{\"@odata.type\":\"#microsoft.graph.security.alert\",\"id\":\"gen-").Append(i)
                  .Append("\",\"title\":\"Generated\",\"severity\":\"medium\",\"status\":\"new\",\"category\":\"Execution\",\"serviceSource\":\"microsoftDefenderForEndpoint\",\"tenantId\":\"t1\",\"createdDateTime\":\"")
                  .Append(ts).Append("\",\"firstActivityDateTime\":\"").Append(ts).Append("\",\"lastActivityDateTime\":\"").Append(ts)
                  .Append("\",\"evidence\":[{\"@odata.type\":\"#microsoft.graph.security.userEvidence\",\"userAccount\":{\"userPrincipalName\":\"user")
                  .Append(i).Append("@contoso.com\"}}]}\n");
            }
            string file = Path.Combine(folder, "big.ndjson");
            File.WriteAllText(file, sb.ToString());
            return file;
        }

        [Fact]
        public void A_stop_before_the_first_record_is_a_stopped_import_not_an_empty_file()
        {
            using var s = new TestStore();
            string file = BigExport(s.Folder, 50);
            using var stop = new CancellationTokenSource();
            stop.Cancel();
            ImportSummary summary;
            using (var session = new ImportSession(s.Store, new ImportOptions(), s.Problems.Add, null, stop.Token))
            {
                session.ImportFile(file);
                summary = session.Complete();
            }
            Assert.True(summary.Stopped);
            Assert.Empty(s.Problems); // no "the file holds no records"
            Assert.Equal(0L, Convert.ToInt64(s.Store.Scalar("SELECT count(*) FROM imported_files;")));
        }

        [Fact]
        public void A_cancelled_import_stops_early_leaves_a_consistent_store_and_every_stored_alert_whole()
        {
            using var s = new TestStore();
            string file = BigExport(s.Folder, 20000);
            using var stop = new CancellationTokenSource();
            ImportSummary summary;
            // Cancel at the first progress report, as Ctrl+C would in the middle of reading.
            using (var session = new ImportSession(s.Store, new ImportOptions { BatchSize = 1000 }, s.Problems.Add, _ => stop.Cancel(), stop.Token))
            {
                session.ImportFile(file);
                summary = session.Complete();
            }
            Assert.True(summary.Stopped);
            Assert.InRange(summary.Read, 1, 19999);
            Assert.Equal("ok", Convert.ToString(s.Store.Scalar("PRAGMA integrity_check;")));
            long alerts = Convert.ToInt64(s.Store.Scalar("SELECT count(*) FROM alerts;"));
            Assert.Equal(summary.Created, alerts);
            Assert.Equal(alerts, Convert.ToInt64(s.Store.Scalar("SELECT count(DISTINCT alert_seq) FROM alert_entities;")));
            Assert.Empty(s.Problems);

            // The file was not remembered as imported: the next run reads it and stores only what is missing.
            var again = s.ImportFile(file);
            Assert.False(again.Stopped);
            Assert.Equal(20000 - alerts, again.Created);
            Assert.Equal(20000L, Convert.ToInt64(s.Store.Scalar("SELECT count(*) FROM alerts;")));
        }

        [Fact]
        public void A_skipped_record_is_reported_with_its_place_and_reason()
        {
            using var s = new TestStore();
            string file = Path.Combine(s.Folder, "eve.json");
            File.WriteAllText(file,
                "{\"event_type\":\"flow\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"src_ip\":\"192.0.2.1\",\"dest_ip\":\"198.51.100.7\"}\n" +
                "{\"event_type\":\"alert\",\"timestamp\":\"2024-01-01T00:00:01Z\",\"src_ip\":\"192.0.2.1\",\"dest_ip\":\"198.51.100.7\",\"alert\":{\"signature\":\"ET test\",\"signature_id\":1,\"severity\":1,\"category\":\"Test\"}}\n");
            var skipped = new System.Collections.Generic.List<ImportProblem>();
            using var session = new ImportSession(s.Store, new ImportOptions(), s.Problems.Add, onSkipped: skipped.Add);
            session.ImportFile(file);
            var summary = session.Complete();
            Assert.Equal(1, summary.Skipped);
            var only = Assert.Single(skipped);
            Assert.Equal(1, only.Line);
            Assert.Contains("flow", only.Message);
            Assert.Empty(s.Problems);
        }
    }
}
