using System.IO;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Bench
{
    public sealed class IncidentFacts
    {
        public long Id { get; set; }
        public long AlertCount { get; set; }
        public long Incidents { get; set; }
        /// <summary>A user of the largest incident: a subject for the entity lookup that exists at every size.</summary>
        public string User { get; set; } = "";
    }

    /// <summary>Facts the benchmark needs to choose its query subjects, read straight from a product store.</summary>
    public static class StoreFacts
    {
        public static IncidentFacts LargestIncident(string storePath)
        {
            if (!File.Exists(storePath)) throw new IOException($"The store '{storePath}' does not exist.");
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            // Merged (redirected) incidents keep their old counts: only incidents that still stand count.
            cmd.CommandText = @"SELECT id, alert_count, (SELECT count(*) FROM incidents WHERE redirect_incident_id IS NULL)
                                FROM incidents WHERE redirect_incident_id IS NULL ORDER BY alert_count DESC, id LIMIT 1";
            using var r = cmd.ExecuteReader();
            if (!r.Read()) throw new IOException($"The store '{storePath}' holds no incidents.");
            var facts = new IncidentFacts { Id = r.GetInt64(0), AlertCount = r.GetInt64(1), Incidents = r.GetInt64(2) };
            r.Close();
            using var user = c.CreateCommand();
            user.CommandText = @"SELECT e.name FROM alerts a JOIN alert_entities ae ON ae.alert_seq = a.seq JOIN entities e ON e.id = ae.entity_id
                                 WHERE a.incident_id = $id AND e.type = 0 AND e.name LIKE '%@%' ORDER BY e.name LIMIT 1";
            user.Parameters.AddWithValue("$id", facts.Id);
            facts.User = user.ExecuteScalar() as string ?? throw new IOException($"The largest incident of '{storePath}' has no user: the store was not made from the benchmark's files.");
            return facts;
        }
    }
}
