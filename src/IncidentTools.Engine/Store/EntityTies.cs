using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Store
{
    /// <summary>
    /// Joins entities that the data has shown to be one (a record giving both a user's UPN and SID): the
    /// survivor takes the others' aliases, alert links and correlation links, and the incidents that showed
    /// them apart are recomputed so their entity counts stay true, and their alerts are correlated again.
    /// </summary>
    internal static class EntityTies
    {
        public static void Tie(IncidentStore store, SqliteTransaction tx, long survivor, IEnumerable<long> others)
        {
            var incidents = new SortedSet<long>();
            foreach (long other in others)
            {
                using (var cmd = store.Command("SELECT DISTINCT a.incident_id FROM alert_entities ae JOIN alerts a ON a.seq = ae.alert_seq WHERE ae.entity_id = $e AND a.incident_id IS NOT NULL", tx, ("$e", other)))
                using (var r = cmd.ExecuteReader())
                    while (r.Read()) incidents.Add(r.GetInt64(0));
                foreach (var sql in new[]
                {
                    // An alert that saw both keeps one link (the survivor's).
                    "UPDATE OR IGNORE alert_entities SET entity_id = $survivor WHERE entity_id = $other",
                    "DELETE FROM alert_entities WHERE entity_id = $other",
                    "UPDATE OR IGNORE entity_aliases SET entity_id = $survivor WHERE entity_id = $other",
                    "DELETE FROM entity_aliases WHERE entity_id = $other",
                    "UPDATE correlation_links SET entity_id = $survivor WHERE entity_id = $other",
                    "INSERT OR IGNORE INTO entity_names (entity_id, name) SELECT $survivor, name FROM entity_names WHERE entity_id = $other",
                    "INSERT OR IGNORE INTO entity_names (entity_id, name) SELECT $survivor, name FROM entities WHERE id = $other",
                    "DELETE FROM entity_names WHERE entity_id = $other",
                    "DELETE FROM entities WHERE id = $other",
                })
                    store.Execute(sql, tx, ("$survivor", survivor), ("$other", other));
            }
            foreach (var sql in new[]
            {
                "UPDATE entities SET alert_count = (SELECT count(*) FROM alert_entities WHERE entity_id = $id) WHERE id = $id",
                // Alerts already correlated while the names were apart are looked at again, so the grouping is the
                // one an import of all the alerts at once would give (alerts that now share the entity link).
                "UPDATE alerts SET needs_correlation = 1 WHERE incident_id IS NOT NULL AND seq IN (SELECT alert_seq FROM alert_entities WHERE entity_id = $id)",
            })
                store.Execute(sql, tx, ("$id", survivor));
            using var aggregator = new IncidentAggregator(store, tx, DateTimeOffset.UtcNow);
            aggregator.Recompute(incidents);
        }
    }
}
