using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Bench
{
    public sealed class FloorResult
    {
        public long Alerts { get; set; }
        public long EvidenceRows { get; set; }
        public double Seconds { get; set; }
        public double AlertsPerSecond { get; set; }
        /// <summary>Processor time of the import: on a busy shared machine a steadier figure than wall-clock time.</summary>
        public double CpuSeconds { get; set; }
        public long PeakWorkingSetBytes { get; set; }
    }

    /// <summary>
    /// The floor: the least any C# import of the same records can do with the same libraries. Each NDJSON line is
    /// parsed with Newtonsoft.Json and stored as one row in a table with the columns of the product's alerts table
    /// and one row per evidence item in a table with the columns of alert_entities, through prepared statements,
    /// 10k alerts per transaction, in the same journal mode. No normalisation, entities, correlation or history;
    /// the original record is kept as it came (the product compresses it).
    /// </summary>
    public static class FloorImport
    {
        const int AlertsPerTransaction = 10_000;

        const string Schema = @"
CREATE TABLE alerts (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, provider_alert_id TEXT NOT NULL, source TEXT NOT NULL, tenant_id TEXT NOT NULL, incident_id INTEGER,
    needs_correlation INTEGER NOT NULL DEFAULT 1, title TEXT NOT NULL, description TEXT, severity INTEGER NOT NULL, status INTEGER NOT NULL,
    category TEXT, mitre_techniques TEXT NOT NULL DEFAULT '[]', service_source TEXT, detection_source TEXT, detector_id TEXT,
    created INTEGER NOT NULL, first_activity INTEGER NOT NULL, last_activity INTEGER NOT NULL, provider_context TEXT NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL, import_id TEXT, original BLOB);
CREATE TABLE alert_entities (
    alert_seq INTEGER NOT NULL, entity_id INTEGER NOT NULL, name TEXT NOT NULL, roles TEXT NOT NULL DEFAULT '[]', verdict TEXT,
    properties TEXT NOT NULL DEFAULT '{}', first_activity INTEGER NOT NULL, last_activity INTEGER NOT NULL,
    PRIMARY KEY (alert_seq, entity_id)) WITHOUT ROWID;";

        public static FloorResult Run(string file, string storePath)
        {
            if (!File.Exists(file)) throw new IOException($"The NDJSON file '{file}' does not exist.");
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(storePath + suffix);
            var clock = Stopwatch.StartNew();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var result = new FloorResult();
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storePath, Pooling = false }.ToString());
            connection.Open();
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
            Execute(connection, Schema);

            var tx = connection.BeginTransaction();
            // Repeated alerts replace the stored row: the floor keeps the last copy, as the product keeps one alert.
            var insertAlert = Prepare(connection, tx, @"INSERT OR REPLACE INTO alerts (id, provider_alert_id, source, tenant_id, title, description, severity, status, category,
                mitre_techniques, service_source, detection_source, detector_id, created, first_activity, last_activity, content_hash, import_id, original)
                VALUES ($id, $id, 'GraphAlertV2', $tenant, $title, $description, $severity, $status, $category, $mitre, $service, $detection, $detector,
                $created, $first, $last, '', 'floor', $original) RETURNING seq",
                "$id", "$tenant", "$title", "$description", "$severity", "$status", "$category", "$mitre", "$service", "$detection", "$detector", "$created", "$first", "$last", "$original");
            var insertEvidence = Prepare(connection, tx, @"INSERT OR REPLACE INTO alert_entities (alert_seq, entity_id, name, roles, verdict, properties, first_activity, last_activity)
                VALUES ($alert, $n, $name, $roles, $verdict, $properties, $first, $last)",
                "$alert", "$n", "$name", "$roles", "$verdict", "$properties", "$first", "$last");

            using var reader = new StreamReader(file, new UTF8Encoding(false), false, 1 << 16);
            string? line;
            int inTransaction = 0;
            while ((line = reader.ReadLine()) != null)
            {
                if (line.Length == 0) continue;
                var a = Parse(line);
                string id = (string)a["id"]!;
                long first = Ticks(a["firstActivityDateTime"]), last = Ticks(a["lastActivityDateTime"]);
                var p = insertAlert.Parameters;
                p[0].Value = id;
                p[1].Value = (string?)a["tenantId"] ?? "";
                p[2].Value = (string?)a["title"] ?? "";
                p[3].Value = Value(a["description"]);
                p[4].Value = Severity((string?)a["severity"]);
                p[5].Value = (string?)a["status"] == "new" ? 1 : 2;
                p[6].Value = Value(a["category"]);
                p[7].Value = a["mitreTechniques"]?.ToString(Formatting.None) ?? "[]";
                p[8].Value = Value(a["serviceSource"]);
                p[9].Value = Value(a["detectionSource"]);
                p[10].Value = Value(a["detectorId"]);
                p[11].Value = Ticks(a["createdDateTime"]);
                p[12].Value = first;
                p[13].Value = last;
                p[14].Value = Encoding.UTF8.GetBytes(line);
                long seq = (long)insertAlert.ExecuteScalar()!; // a repeated alert's copy replaces the row under a new number
                result.Alerts++;

                int n = 0;
                foreach (var e in (a["evidence"] as JArray) ?? new JArray())
                {
                    var q = insertEvidence.Parameters;
                    q[0].Value = seq;
                    q[1].Value = n++;
                    q[2].Value = (string?)e["@odata.type"] ?? "";
                    q[3].Value = e["roles"]?.ToString(Formatting.None) ?? "[]";
                    q[4].Value = Value(e["verdict"]);
                    q[5].Value = e.ToString(Formatting.None);
                    q[6].Value = first;
                    q[7].Value = last;
                    insertEvidence.ExecuteNonQuery();
                    result.EvidenceRows++;
                }
                if (++inTransaction == AlertsPerTransaction)
                {
                    tx.Commit();
                    tx.Dispose();
                    tx = connection.BeginTransaction();
                    insertAlert.Transaction = tx; insertEvidence.Transaction = tx;
                    inTransaction = 0;
                }
            }
            tx.Commit();
            tx.Dispose();
            insertAlert.Dispose(); insertEvidence.Dispose();
            result.Seconds = clock.Elapsed.TotalSeconds;
            result.AlertsPerSecond = result.Alerts / Math.Max(result.Seconds, 1e-9);
            var process = Process.GetCurrentProcess();
            result.CpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            result.PeakWorkingSetBytes = process.PeakWorkingSet64;
            return result;
        }

        /// <summary>Dates stay the strings they are in the file (as the product reads them).</summary>
        static JObject Parse(string line)
        {
            using var json = new JsonTextReader(new StringReader(line)) { DateParseHandling = DateParseHandling.None };
            return JObject.Load(json);
        }

        static object Value(JToken? t) => t == null || t.Type == JTokenType.Null ? DBNull.Value : (object)t.ToString();

        static long Ticks(JToken? t) => t == null || t.Type == JTokenType.Null ? 0
            : DateTimeOffset.Parse((string)t!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcTicks;

        static int Severity(string? s) => s switch { "informational" => 1, "low" => 2, "medium" => 3, "high" => 4, _ => 0 };

        static void Execute(SqliteConnection c, string sql)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }

        static SqliteCommand Prepare(SqliteConnection c, SqliteTransaction tx, string sql, params string[] parameters)
        {
            var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            foreach (var name in parameters) cmd.Parameters.Add(new SqliteParameter(name, null));
            cmd.Prepare();
            return cmd;
        }
    }
}
