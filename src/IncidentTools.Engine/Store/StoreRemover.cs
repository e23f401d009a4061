using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Store
{
    /// <summary>What a removal did (or, for a preview, would do).</summary>
    public sealed class RemovalSummary
    {
        public string Store { get; set; } = "";
        public long AlertsRemoved { get; set; }
        /// <summary>Incidents removed: asked for, left without alerts, or merged (Redirected) into a removed one.</summary>
        public long[] RemovedIncidentIds { get; set; } = Array.Empty<long>();
        /// <summary>Incidents that lost some alerts and were recomputed (severity, counts, name, priority).</summary>
        public long[] UpdatedIncidentIds { get; set; } = Array.Empty<long>();
        public long EntitiesRemoved { get; set; }
        public int IncidentsRemoved => RemovedIncidentIds.Length;
        public int IncidentsUpdated => UpdatedIncidentIds.Length;
    }

    /// <summary>
    /// Undoes imports and purges old data. Alerts go with their entity links, correlation links, refusals and
    /// pending evidence; entities no alert uses any more go too. An incident that loses some alerts is
    /// recomputed and its history says which alert went, by whom and why; an incident left with no alerts is
    /// removed, with the incidents that were merged into it. The history of a removed incident is kept and ends
    /// with a "Removed" entry: the audit of what was removed. Work is done in batches, one write transaction
    /// each, so other processes keep working and a crash leaves whole batches only.
    /// </summary>
    public sealed class StoreRemover
    {
        const int BatchSize = 500;
        readonly IncidentStore _store;
        readonly string _actor;
        readonly DateTimeOffset _now;

        public StoreRemover(IncidentStore store, string actor, DateTimeOffset? now = null)
        {
            _store = store; _actor = actor; _now = now ?? DateTimeOffset.UtcNow;
        }

        /// <summary>Ids of the alerts an import first stored.</summary>
        public List<string> AlertsCreatedBy(string importId)
            => Strings("SELECT id FROM alerts WHERE created_import_id = $v ORDER BY id", importId);

        /// <summary>How many alerts stored before the import were changed by it: undoing it keeps them as they are now.</summary>
        public long AlertsOnlyUpdatedBy(string importId)
            => Convert.ToInt64(_store.Scalar("SELECT count(*) FROM alerts WHERE import_id = $v AND (created_import_id IS NULL OR created_import_id <> $v)", null, ("$v", importId)));

        /// <summary>True when the store has a record of this import (finished, stopped or killed).</summary>
        public bool ImportExists(string importId)
            => _store.Scalar("SELECT 1 FROM imports WHERE id = $v", null, ("$v", importId)) != null;

        /// <summary>Alerts whose last activity is before the time.</summary>
        public List<string> AlertsBefore(DateTimeOffset before)
            => Strings("SELECT id FROM alerts WHERE last_activity < $v ORDER BY last_activity, id", IncidentStore.Ticks(before));

        /// <summary>Incidents whose last activity is before the time.</summary>
        public List<long> IncidentsBefore(DateTimeOffset before)
        {
            var ids = new List<long>();
            using var cmd = _store.Command("SELECT id FROM incidents WHERE last_activity < $v ORDER BY id", null, ("$v", IncidentStore.Ticks(before)));
            using var r = cmd.ExecuteReader();
            while (r.Read()) ids.Add(r.GetInt64(0));
            return ids;
        }

        /// <summary>
        /// Forgets an undone import's files and pending evidence, so importing the same files again reads them
        /// instead of skipping them as unchanged.
        /// </summary>
        public void ForgetImport(string importId)
        {
            using var tx = _store.BeginWrite();
            _store.Execute("DELETE FROM imported_files WHERE import_id = $v", tx, ("$v", importId));
            _store.Execute("DELETE FROM pending_evidence WHERE import_id = $v", tx, ("$v", importId));
            tx.Commit();
        }

        /// <summary>Removes the alerts (unknown ids are ignored); reason goes to the history of the incidents touched.</summary>
        public RemovalSummary RemoveAlerts(IEnumerable<string> alertIds, string reason)
        {
            var summary = new Accumulator();
            foreach (var batch in Batches(alertIds))
            {
                using var tx = _store.BeginWrite();
                var touchedIncidents = new SortedSet<long>();
                var touchedEntities = new HashSet<long>();
                foreach (var id in batch)
                {
                    var incident = _store.Scalar("SELECT incident_id FROM alerts WHERE id = $id", tx, ("$id", id));
                    if (incident == null && _store.Scalar("SELECT 1 FROM alerts WHERE id = $id", tx, ("$id", id)) == null) continue;
                    if (incident is long incidentId)
                    {
                        HistoryLog.Append(_store, tx, incidentId, _now, _actor, "AlertRemoved", "AlertId", id, "removed: " + reason);
                        touchedIncidents.Add(incidentId);
                    }
                    DeleteAlert(tx, id, touchedEntities);
                    summary.Alerts++;
                }
                foreach (var incidentId in touchedIncidents)
                {
                    if (_store.Scalar("SELECT 1 FROM alerts WHERE incident_id = $id LIMIT 1", tx, ("$id", incidentId)) == null)
                        DeleteIncident(tx, incidentId, "its last alert was removed (" + reason + ")", touchedEntities, summary);
                    else
                    {
                        using (var aggregator = new IncidentAggregator(_store, tx, _now)) aggregator.Recompute(incidentId);
                        summary.Updated.Add(incidentId);
                    }
                }
                summary.Entities += DeleteOrphanEntities(tx, touchedEntities);
                tx.Commit();
            }
            return summary.ToSummary(_store.Path);
        }

        /// <summary>Removes the incidents with all their alerts, tags, comments and correlation records (unknown ids are ignored).</summary>
        public RemovalSummary RemoveIncidents(IEnumerable<long> incidentIds, string reason)
        {
            var summary = new Accumulator();
            foreach (var batch in Batches(incidentIds))
            {
                using var tx = _store.BeginWrite();
                var touchedEntities = new HashSet<long>();
                foreach (var id in batch)
                    if (!summary.Removed.Contains(id)) DeleteIncident(tx, id, reason, touchedEntities, summary);
                summary.Entities += DeleteOrphanEntities(tx, touchedEntities);
                tx.Commit();
            }
            return summary.ToSummary(_store.Path);
        }

        void DeleteIncident(SqliteTransaction tx, long id, string reason, HashSet<long> touchedEntities, Accumulator summary)
        {
            if (_store.Scalar("SELECT 1 FROM incidents WHERE id = $id", tx, ("$id", id)) == null) return;
            // Incidents merged into this one point at it: they go with it rather than point at nothing.
            foreach (var source in Longs(tx, "SELECT id FROM incidents WHERE redirect_incident_id = $v", id))
                DeleteIncident(tx, source, $"it was merged into incident {id}, which was removed", touchedEntities, summary);
            foreach (var alertId in Strings("SELECT id FROM alerts WHERE incident_id = $v", id, tx))
            {
                DeleteAlert(tx, alertId, touchedEntities);
                summary.Alerts++;
            }
            // The history is kept: its last entry says who removed the incident and why.
            HistoryLog.Append(_store, tx, id, _now, _actor, "Removed", null, null, reason);
            _store.Execute("DELETE FROM incident_tags WHERE incident_id = $id", tx, ("$id", id));
            _store.Execute("DELETE FROM comments WHERE incident_id = $id", tx, ("$id", id));
            _store.Execute("DELETE FROM correlation_links WHERE incident_id = $id", tx, ("$id", id));
            _store.Execute("DELETE FROM correlation_refusals WHERE incident_id = $id OR other_incident_id = $id", tx, ("$id", id));
            _store.Execute("DELETE FROM incidents WHERE id = $id", tx, ("$id", id));
            summary.Removed.Add(id);
            summary.Updated.Remove(id);
        }

        void DeleteAlert(SqliteTransaction tx, string id, HashSet<long> touchedEntities)
        {
            foreach (var entityId in Longs(tx, "SELECT entity_id FROM alert_entities WHERE alert_seq = (SELECT seq FROM alerts WHERE id = $v)", id)) touchedEntities.Add(entityId);
            _store.Execute("DELETE FROM alert_entities WHERE alert_seq = (SELECT seq FROM alerts WHERE id = $id)", tx, ("$id", id));
            _store.Execute("DELETE FROM alert_originals WHERE alert_seq = (SELECT seq FROM alerts WHERE id = $id)", tx, ("$id", id));
            _store.Execute("DELETE FROM correlation_links WHERE alert_id = $id OR linked_alert_id = $id", tx, ("$id", id));
            _store.Execute("DELETE FROM correlation_refusals WHERE alert_id = $id", tx, ("$id", id));
            _store.Execute("DELETE FROM correlation_constraints WHERE alert_id = $id OR anchor_alert_id = $id", tx, ("$id", id));
            _store.Execute("DELETE FROM pending_evidence WHERE alert_id = $id", tx, ("$id", id));
            _store.Execute("DELETE FROM alerts WHERE id = $id", tx, ("$id", id));
        }

        /// <summary>Recounts the entities the removed alerts used; those no alert uses any more are removed.</summary>
        long DeleteOrphanEntities(SqliteTransaction tx, HashSet<long> entityIds)
        {
            long removed = 0;
            foreach (var id in entityIds)
            {
                long uses = Convert.ToInt64(_store.Scalar("SELECT count(*) FROM alert_entities WHERE entity_id = $id", tx, ("$id", id)));
                if (uses == 0)
                {
                    _store.Execute("DELETE FROM entity_aliases WHERE entity_id = $id", tx, ("$id", id));
                    _store.Execute("DELETE FROM entity_names WHERE entity_id = $id", tx, ("$id", id));
                    _store.Execute("DELETE FROM entities WHERE id = $id", tx, ("$id", id));
                    removed++;
                }
                else _store.Execute("UPDATE entities SET alert_count = $n WHERE id = $id", tx, ("$id", id), ("$n", uses));
            }
            return removed;
        }

        List<string> Strings(string sql, object value, SqliteTransaction? tx = null)
        {
            var list = new List<string>();
            using var cmd = _store.Command(sql, tx, ("$v", value));
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add(r.GetString(0));
            return list;
        }

        List<long> Longs(SqliteTransaction tx, string sql, object value)
        {
            var list = new List<long>();
            using var cmd = _store.Command(sql, tx, ("$v", value));
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add(r.GetInt64(0));
            return list;
        }

        static IEnumerable<List<T>> Batches<T>(IEnumerable<T> items)
        {
            var batch = new List<T>(BatchSize);
            foreach (var item in items.Distinct())
            {
                batch.Add(item);
                if (batch.Count == BatchSize) { yield return batch; batch = new List<T>(BatchSize); }
            }
            if (batch.Count > 0) yield return batch;
        }

        sealed class Accumulator
        {
            public long Alerts, Entities;
            public SortedSet<long> Removed = new SortedSet<long>(), Updated = new SortedSet<long>();
            public RemovalSummary ToSummary(string store) => new RemovalSummary
            {
                Store = store, AlertsRemoved = Alerts, EntitiesRemoved = Entities,
                RemovedIncidentIds = Removed.ToArray(), UpdatedIncidentIds = Updated.Except(Removed).ToArray(),
            };
        }
    }
}
