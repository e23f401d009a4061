using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using IncidentTools.Import;
using IncidentTools.Store;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>
    /// What the import speed-ups must not change: stored hashes, the original record, entity counts, query results;
    /// and that the indexes the queries need are there.
    /// </summary>
    public class StorePerformanceTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);

        /// <summary>How content hashes were computed before they were written field by field; stores keep them.</summary>
        static string HashAsFirstWritten(Alert a)
        {
            var canonical = new
            {
                a.Title, a.Description, Truncated = a.Truncated.Select(t => t.ToString()), a.Severity, a.Status, a.Category, a.MitreTechniques, a.ServiceSource, a.DetectionSource, a.DetectorId,
                Created = a.CreatedDateTime.UtcTicks, First = a.FirstActivityDateTime.UtcTicks, Last = a.LastActivityDateTime.UtcTicks,
                Context = new SortedDictionary<string, string>(a.ProviderContext, StringComparer.OrdinalIgnoreCase),
                Evidence = a.Evidence.OrderBy(e => (int)e.Type).ThenBy(e => e.Key, StringComparer.Ordinal)
                    .Select(e => new { e.Type, e.Key, e.Name, Roles = e.Roles.OrderBy(x => x, StringComparer.Ordinal), e.Verdict, Props = new SortedDictionary<string, string>(e.Properties, StringComparer.OrdinalIgnoreCase) }),
            };
            return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(canonical))));
        }

        [Fact]
        public void Content_hashes_are_the_same_as_the_ones_stores_already_hold()
        {
            // Alerts of every fixture format: all kinds of evidence, context, missing fields and odd characters.
            var alerts = Directory.EnumerateFiles(TestData.Fixture(""), "*", SearchOption.AllDirectories)
                .SelectMany(f => ReaderHarness.ReadFile(f).Alerts).ToList();
            Assert.True(alerts.Count > 20);
            var odd = new Alert
            {
                Title = "Quote \" and \u00e9 and \n", Description = null, MitreTechniques = new[] { "T2", "T1" },
                ProviderContext = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["b"] = "2", ["A"] = "1", ["c"] = null! },
                Evidence = new List<Evidence> { new Evidence { Type = EntityType.User, Key = "k", Name = "n", Roles = new[] { "z", "a" }, Properties = new Dictionary<string, string> { ["x"] = "1" } } },
            };
            foreach (var a in alerts.Append(odd)) Assert.Equal(HashAsFirstWritten(a), AlertWriter.ContentHash(a));
        }

        [Fact]
        public void An_ndjson_record_is_kept_as_the_exact_line_it_was_read_from()
        {
            using var s = new TestStore();
            var record = GraphAlert.Make("n1", Min(0), GraphAlert.User("alice@contoso.com"));
            // Dates written with an offset and odd spacing: a re-serialised copy would differ from the line.
            record["createdDateTime"] = "2026-03-02T10:00:00.1234567+01:00";
            string line = record.ToString(Formatting.None).Replace("\"title\":", "\"title\" :");
            string file = Path.Combine(s.Folder, "one.ndjson");
            File.WriteAllText(file, line + "\n" + GraphAlert.Make("n2", Min(1)).ToString(Formatting.None) + "\n");
            s.ImportFile(file);
            var stored = Assert.Single(s.Reader.Alerts(null, new[] { GraphAlert.AlertId("n1") }, includeOriginal: true));
            Assert.Equal(line, stored.OriginalRecord);
            Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 0, 0, 123, TimeSpan.Zero).AddTicks(4567), stored.CreatedDateTime);
        }

        [Fact]
        public void Entity_alert_counts_add_up_across_batches_and_reimports()
        {
            using var s = new TestStore();
            var alerts = Enumerable.Range(0, 7).Select(i => GraphAlert.Make("c" + i, Min(i), GraphAlert.User("alice@contoso.com"), GraphAlert.Ip("203.0.113." + i))).ToArray();
            string file = Path.Combine(s.Folder, "seven.ndjson");
            File.WriteAllLines(file, alerts.Select(a => a.ToString(Formatting.None)));
            s.ImportFile(file, new Import.ImportOptions { BatchSize = 3 });
            s.ImportFile(file, new Import.ImportOptions { BatchSize = 2, Force = true }); // the same alerts again: no new links
            Assert.Equal(7L, s.Count("SELECT alert_count FROM entities WHERE key = 'alice@contoso.com'"));
            Assert.Equal(7L, s.Count("SELECT sum(alert_count) FROM entities WHERE type = $ip", ("$ip", (int)EntityType.Ip)));
        }

        [Fact]
        public void A_command_handed_back_to_the_store_is_reused_with_fresh_parameters()
        {
            using var s = new TestStore();
            const string sql = "SELECT $a + 1";
            SqliteCommandHandle first;
            using (var cmd = s.Store.Command(sql, null, ("$a", 1)))
            {
                Assert.Equal(2L, Convert.ToInt64(cmd.ExecuteScalar()));
                first = new SqliteCommandHandle(cmd);
            }
            using (var again = s.Store.Command(sql, null, ("$a", 41)))
            {
                Assert.Same(first.Command, again);
                Assert.Equal(42L, Convert.ToInt64(again.ExecuteScalar()));
                // The same statement while the first is still in use is a second command, not the same one.
                using var nested = s.Store.Command(sql, null, ("$a", 9));
                Assert.NotSame(again, nested);
                Assert.Equal(10L, Convert.ToInt64(nested.ExecuteScalar()));
            }
            // Disposed twice, a command still goes back once: two callers never share it.
            var twice = s.Store.Command(sql);
            twice.Dispose();
            twice.Dispose();
            using var a = s.Store.Command(sql, null, ("$a", 1));
            using var b = s.Store.Command(sql, null, ("$a", 2));
            Assert.NotSame(a, b);
        }

        sealed class SqliteCommandHandle
        {
            public SqliteCommandHandle(Microsoft.Data.Sqlite.SqliteCommand command) { Command = command; }
            public Microsoft.Data.Sqlite.SqliteCommand Command { get; }
        }

        [Theory]
        [InlineData("ALICE@contoso.com")]
        [InlineData("alice@contoso.com")]
        public void Entity_lookups_use_indexes_and_ignore_case(string name)
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("e1", Min(0), GraphAlert.User("alice@contoso.com")), GraphAlert.Make("e2", Min(0), GraphAlert.User("bob@contoso.com")));
            var found = s.Reader.Incidents(new IncidentFilter { Entities = new[] { name } }).ToList();
            Assert.Equal(s.IncidentOf("e1"), Assert.Single(found).Id);

            var plan = string.Join("\n", QueryPlan(s, "SELECT a.incident_id FROM alert_entities ae JOIN alerts a ON a.seq = ae.alert_seq WHERE ae.entity_id IN (SELECT e.id FROM entities e WHERE e.name = 'x' COLLATE NOCASE UNION SELECT n.entity_id FROM entity_names n WHERE n.name = 'x' COLLATE NOCASE UNION SELECT x.entity_id FROM entity_aliases x WHERE x.alias = 'x' COLLATE NOCASE)"));
            Assert.DoesNotContain("SCAN", plan);
            var window = string.Join("\n", QueryPlan(s, "SELECT alert_seq FROM alert_entities WHERE entity_id = 1 AND last_activity >= 0 AND first_activity <= 9"));
            Assert.Contains("COVERING INDEX ix_alert_entities_entity", window);
        }

        [Fact]
        public void An_entity_is_found_by_every_name_its_alerts_gave_it()
        {
            using var s = new TestStore();
            // One device (same MDE id), named by its DNS name in one alert and its host name in the next.
            s.Import(GraphAlert.Make("d1", Min(0), GraphAlert.Device("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "ws07.contoso.local")),
                     GraphAlert.Make("d2", Min(5), GraphAlert.Device("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "WS07-RENAMED")));
            Assert.Equal(1L, s.Count("SELECT count(*) FROM entities WHERE type = $t", ("$t", (int)EntityType.Device)));
            foreach (var name in new[] { "ws07.contoso.local", "ws07-renamed", "ws07-ren*" })
                Assert.Equal(s.IncidentOf("d2"), Assert.Single(s.Reader.Incidents(new IncidentFilter { Entities = new[] { name } })).Id);
        }

        [Fact]
        public void A_store_from_before_the_new_indexes_migrates_to_them_and_keeps_its_entity_names()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("m1", Min(0), GraphAlert.Device("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "ws07.contoso.local")),
                     GraphAlert.Make("m2", Min(5), GraphAlert.Device("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "WS07-RENAMED")));
            // Back to the version before the new indexes, as it was written: the old indexes, no entity_names, and
            // nothing of the later versions.
            int before = Schema.Migrations.ToList().FindIndex(m => m.Contains("CREATE TABLE entity_names"));
            Assert.True(before > 0);
            RollBackToVersion7(s.Store);
            s.Store.Execute($@"DROP TABLE entity_names; DROP INDEX ix_alerts_span;
                DROP INDEX ix_alert_entities_entity; CREATE INDEX ix_alert_entities_entity ON alert_entities (entity_id, last_activity);
                DROP INDEX ix_entities_key; CREATE INDEX ix_entities_key ON entities (key);
                PRAGMA user_version = {before};");
            s.Store.Dispose();

            using var migrated = IncidentStore.Open(s.FilePath);
            Assert.Equal(Schema.CurrentVersion, migrated.SchemaVersion);
            Assert.True(File.Exists(s.FilePath + $".v{before}.bak"));
            Assert.Single(new IncidentReader(migrated).Incidents(new IncidentFilter { Entities = new[] { "ws07-renamed" } }));
            Assert.Contains("COVERING INDEX ix_alert_entities_entity",
                string.Join("\n", QueryPlan(migrated, "SELECT alert_seq FROM alert_entities WHERE entity_id = 1 AND last_activity >= 0 AND first_activity <= 9")));
        }

        [Fact]
        public void An_alert_that_runs_for_days_is_still_found_by_a_short_alert_inside_its_span()
        {
            using var s = new TestStore();
            // A long alert (ten days of activity) and a short one on day 1 share a user: their activity overlaps.
            var longAlert = GraphAlert.Make("long", Min(0), GraphAlert.User("carol@contoso.com"));
            longAlert["lastActivityDateTime"] = (GraphAlert.T0 + TimeSpan.FromDays(10)).ToString("o");
            var shortAlert = GraphAlert.Make("short", TimeSpan.FromDays(1), GraphAlert.User("carol@contoso.com"));
            // Unrelated alerts of the same user long after both: they are past any window and must not matter.
            var later = Enumerable.Range(0, 5).Select(i => GraphAlert.Make("later" + i, TimeSpan.FromDays(30 + i), GraphAlert.User("carol@contoso.com")));
            s.Import(new[] { longAlert, shortAlert }.Concat(later).ToArray());

            Assert.Equal(s.IncidentOf("long"), s.IncidentOf("short"));
            Assert.NotEqual(s.IncidentOf("long"), s.IncidentOf("later0"));
            Assert.Equal(TimeSpan.FromDays(10).Ticks, Correlation.Correlator.LongestAlertSpan(s.Store, null));
        }

        [Fact]
        public void The_candidate_lookup_reads_only_an_entitys_alerts_near_the_window_and_the_longest_span_is_one_index_step()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("w1", Min(0), GraphAlert.User("dave@contoso.com")));
            // The statement correlation runs, bounded on both sides of last_activity: it never reads the entity's
            // later alerts to the end of the store.
            var window = string.Join("\n", QueryPlan(s.Store, Correlation.Correlator.CandidatesSql(500),
                ("$entity", 1L), ("$from", 0L), ("$last", 5L), ("$to", 9L), ("$self", 0L)));
            Assert.Contains("COVERING INDEX ix_alert_entities_entity (entity_id=? AND last_activity>? AND last_activity<?)", window);
            var span = string.Join("\n", QueryPlan(s, Correlation.Correlator.LongestAlertSpanSql));
            Assert.Contains("ix_alerts_span", span);
            Assert.DoesNotContain("SCAN", span);
        }

        [Fact]
        public void The_candidate_lookups_run_again_with_new_values_without_being_prepared_again()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("w1", Min(0), GraphAlert.User("dave@contoso.com")), GraphAlert.Make("w2", Min(5), GraphAlert.User("dave@contoso.com")));
            // SQLite re-prepares a statement whose plan depends on a bound value (an ORDER BY ... LIMIT $n) each time
            // that value is bound: for the statements correlation runs per entity, that was a parse per lookup.
            foreach (var sql in new[] { Correlation.Correlator.CandidatesSql(500), Correlation.Correlator.NearestCandidatesSql })
            {
                using var statement = new Statement(s.Store, sql);
                for (long round = 1; round <= 3; round++)
                {
                    foreach (var name in statement.ParameterNames) statement.Set(name, round); // every one bound again, as each lookup does
                    foreach (var _ in statement.Rows()) { }
                }
                Assert.Equal(0, statement.Reprepared);
            }
        }

        static IEnumerable<string> QueryPlan(TestStore s, string sql) => QueryPlan(s.Store, sql);

        /// <summary>
        /// Turns a store of the current schema back into version 7 as that version wrote it: alerts keyed by their
        /// text id alone, each with its original record, alert entity links keyed by that id, entities unique by key.
        /// </summary>
        static void RollBackToVersion7(IncidentStore store)
        {
            const string columns = @"provider_alert_id, source, tenant_id, incident_id, needs_correlation, title, description, severity, status, category,
                mitre_techniques, service_source, detection_source, detector_id, created, first_activity, last_activity, provider_context,
                content_hash, import_id, created_import_id, truncated";
            string v1Alerts = Schema.Migrations[0].Substring(Schema.Migrations[0].IndexOf("CREATE TABLE alerts (", StringComparison.Ordinal));
            v1Alerts = v1Alerts.Substring(0, v1Alerts.IndexOf(");", StringComparison.Ordinal) + 2).Replace("CREATE TABLE alerts (", "CREATE TABLE alerts_v7 (");
            store.Execute(v1Alerts + $@"
                ALTER TABLE alerts_v7 ADD COLUMN created_import_id TEXT;
                ALTER TABLE alerts_v7 ADD COLUMN truncated TEXT NOT NULL DEFAULT '[]';
                INSERT INTO alerts_v7 (id, original, {columns})
                    SELECT id, (SELECT original FROM alert_originals WHERE alert_seq = seq), {columns} FROM alerts ORDER BY seq;
                DROP TABLE alert_originals;
                CREATE TABLE alert_entities_v7 (
                    alert_id TEXT NOT NULL, entity_id INTEGER NOT NULL, name TEXT NOT NULL, roles TEXT NOT NULL DEFAULT '[]', verdict TEXT,
                    properties TEXT NOT NULL DEFAULT '{{}}', first_activity INTEGER NOT NULL, last_activity INTEGER NOT NULL, key TEXT,
                    PRIMARY KEY (alert_id, entity_id)) WITHOUT ROWID;
                INSERT INTO alert_entities_v7 SELECT a.id, ae.entity_id, ae.name, ae.roles, ae.verdict, ae.properties, ae.first_activity, ae.last_activity, ae.key
                    FROM alert_entities ae JOIN alerts a ON a.seq = ae.alert_seq;
                DROP TABLE alert_entities; DROP TABLE alerts;
                ALTER TABLE alerts_v7 RENAME TO alerts; ALTER TABLE alert_entities_v7 RENAME TO alert_entities;
                CREATE INDEX ix_alerts_incident ON alerts (incident_id, first_activity);
                CREATE INDEX ix_alerts_to_correlate ON alerts (first_activity, id) WHERE needs_correlation = 1;
                CREATE INDEX ix_alerts_tenant_time ON alerts (tenant_id, first_activity);
                CREATE INDEX ix_alerts_created_import ON alerts (created_import_id);
                CREATE INDEX ix_alerts_last_activity ON alerts (last_activity);
                CREATE INDEX ix_alerts_span ON alerts (last_activity - first_activity);
                CREATE INDEX ix_alert_entities_entity ON alert_entities (entity_id, last_activity, first_activity);
                CREATE TABLE entities_v7 (
                    id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, type INTEGER NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL,
                    alert_count INTEGER NOT NULL DEFAULT 0, UNIQUE (tenant_id, type, key));
                INSERT INTO entities_v7 SELECT id, tenant_id, type, key, name, alert_count FROM entities;
                DROP TABLE entities; ALTER TABLE entities_v7 RENAME TO entities;
                CREATE INDEX ix_entities_name ON entities (name COLLATE NOCASE);
                CREATE INDEX ix_entities_key ON entities (key COLLATE NOCASE);
                DROP INDEX ix_entity_aliases_alias; CREATE INDEX ix_entity_aliases_alias ON entity_aliases (alias);
                PRAGMA user_version = 7;");
        }

        [Fact]
        public void A_store_whose_links_are_keyed_by_text_alert_ids_migrates_and_reads_and_correlates_as_before()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("k1", Min(0), GraphAlert.User("erin@contoso.com"), GraphAlert.Device("b1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "ws09.contoso.local")),
                     GraphAlert.Make("k2", Min(5), GraphAlert.User("erin@contoso.com")),
                     GraphAlert.Make("k3", Min(9), GraphAlert.User("frank@contoso.com")));
            long erins = s.IncidentOf("k1");
            Assert.Equal(erins, s.IncidentOf("k2"));
            static string Entities(IncidentReader r) => string.Join("\n", r.Entities(null, null, null).Select(e => $"{e.IncidentId} {e.Type} {e.Key} {e.AlertCount} {string.Join(",", e.Roles)}"));
            static string Evidence(IncidentReader r) => JsonConvert.SerializeObject(r.Alerts(null, null, includeOriginal: true).Select(a => new { a.Id, a.Evidence, a.OriginalRecord }));
            string entitiesBefore = Entities(s.Reader), evidenceBefore = Evidence(s.Reader);
            RollBackToVersion7(s.Store);
            s.Store.Dispose();

            using var migrated = IncidentStore.Open(s.FilePath);
            Assert.Equal(Schema.CurrentVersion, migrated.SchemaVersion);
            Assert.True(File.Exists(s.FilePath + ".v7.bak"));
            var reader = new IncidentReader(migrated);
            Assert.Equal(entitiesBefore, Entities(reader));
            Assert.Equal(evidenceBefore, Evidence(reader));
            Assert.All(reader.Alerts(null, null, includeOriginal: true), a => Assert.Contains("\"createdDateTime\"", a.OriginalRecord)); // originals came through
            Assert.Equal(3L, migrated.Scalar("SELECT count(*) FROM alerts WHERE seq BETWEEN 1 AND 3"));
            Assert.Contains("COVERING INDEX ix_alert_entities_entity",
                string.Join("\n", QueryPlan(migrated, Correlation.Correlator.CandidatesSql(500), ("$entity", 1L), ("$from", 0L), ("$last", 5L), ("$to", 9L), ("$self", 0L))));

            // Correlation after the migration: a new alert of erin's joins her incident through the migrated links.
            using (var session = new ImportSession(migrated, new ImportOptions(), _ => { }))
            {
                session.ImportObject(GraphAlert.Make("k4", Min(12), GraphAlert.User("erin@contoso.com")));
                session.Complete();
            }
            Assert.Equal(erins, Assert.Single(reader.Alerts(null, new[] { GraphAlert.AlertId("k4") })).IncidentId);
            Assert.Equal(3, reader.Alerts(new[] { erins }, null).Count());
        }

        static IEnumerable<string> QueryPlan(IncidentStore store, string sql, params (string, object?)[] parameters)
        {
            using var cmd = store.Command("EXPLAIN QUERY PLAN " + sql, null, parameters);
            using var r = cmd.ExecuteReader();
            while (r.Read()) yield return r.GetString(3);
        }
    }
}
