using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Store
{
    /// <summary>What a move of alerts did: the incidents on both sides, as stored afterwards.</summary>
    public sealed class AlertMove
    {
        public string AlertId { get; set; } = "";
        public long FromIncidentId { get; set; }
        public long ToIncidentId { get; set; }
        /// <summary>True when the source incident lost its last alert and now redirects to the target.</summary>
        public bool SourceRedirected { get; set; }
    }

    /// <summary>
    /// People's control over grouping: merge incidents into one and move alerts between incidents. Both are
    /// recorded in the activity log and kept as constraints (correlation_constraints) that a replay respects.
    /// </summary>
    public sealed class IncidentMerger
    {
        readonly IncidentStore _store;
        public IncidentMerger(IncidentStore store) { _store = store; }

        /// <summary>
        /// Folds a source incident into a survivor: its alerts, correlation links and tags move; it keeps its id,
        /// comments and history, becomes Redirected and points at the survivor. Used by correlation and by people.
        /// </summary>
        internal static void Redirect(IncidentStore store, SqliteTransaction tx, long sourceId, long survivorId, DateTimeOffset now, string actor, string reason)
        {
            // Settle the source's name, severity and counts first: a Redirected incident keeps what it was.
            using (var aggregator = new IncidentAggregator(store, tx, now)) aggregator.Recompute(sourceId);
            foreach (var sql in new[]
            {
                "UPDATE alerts SET incident_id = $survivor WHERE incident_id = $source",
                "UPDATE correlation_links SET incident_id = $survivor WHERE incident_id = $source",
                "INSERT OR IGNORE INTO incident_tags (incident_id, tag) SELECT $survivor, tag FROM incident_tags WHERE incident_id = $source",
                "UPDATE incidents SET status = $redirected, redirect_incident_id = $survivor, version = version + 1, last_update = $now WHERE id = $source",
                "UPDATE incidents SET version = version + 1, last_update = $now WHERE id = $survivor",
            })
                store.Execute(sql, tx, ("$survivor", survivorId), ("$source", sourceId),
                    ("$redirected", (int)IncidentStatus.Redirected), ("$now", IncidentStore.Ticks(now)));
            using (var aggregator = new IncidentAggregator(store, tx, now)) aggregator.SettlePriority(sourceId); // a Redirected incident never outranks an open one
            HistoryLog.Append(store, tx, sourceId, now, actor, "Redirected", "RedirectIncidentId", null, survivorId.ToString());
            HistoryLog.Append(store, tx, survivorId, now, actor, "Merged", "MergedIncidentId", null, sourceId.ToString());
            HistoryLog.Append(store, tx, survivorId, now, actor, "MergeReason", null, null, reason);
        }

        /// <summary>Merges the sources into the survivor. Throws ArgumentException (nothing changed) when it cannot.</summary>
        public Incident Merge(long survivorId, IReadOnlyCollection<long> sourceIds, string actor, string? comment = null, DateTimeOffset? now = null)
        {
            var time = now ?? DateTimeOffset.UtcNow;
            using var tx = _store.BeginWrite();
            var survivor = Live(tx, survivorId, "merge into");
            var sources = sourceIds.Distinct().Where(id => id != survivorId).Select(id => Live(tx, id, "merge")).ToList();
            if (sources.Count == 0) throw new ArgumentException($"Nothing to merge into incident {survivorId}: give other incidents to merge.");
            foreach (var s in sources)
                if (!string.Equals(s.TenantId, survivor.TenantId, StringComparison.Ordinal))
                    throw new ArgumentException($"Incident {s.Id} belongs to tenant '{s.TenantId}' and incident {survivorId} to '{survivor.TenantId}': incidents of different tenants are never merged.");
            string anchor = FirstAlert(tx, survivorId) ?? throw new ArgumentException($"Incident {survivorId} has no alerts to merge into.");
            foreach (var s in sources)
            {
                foreach (var alertId in Alerts(tx, s.Id)) Constrain(tx, time, actor, "Merge", alertId, anchor, survivorId);
                Redirect(_store, tx, s.Id, survivorId, time, actor, comment == null ? $"merged by {actor}" : $"merged by {actor}: {comment}");
            }
            using (var aggregator = new IncidentAggregator(_store, tx, time)) aggregator.Recompute(survivorId);
            tx.Commit();
            return new IncidentReader(_store).Incident(survivorId)!;
        }

        /// <summary>
        /// Moves an alert to another incident of its tenant, or to a new incident when toIncidentId is null. Both
        /// sides are recomputed (entities, counts, severity, name). A source left without alerts redirects to the
        /// target, so links to it keep working.
        /// </summary>
        public AlertMove MoveAlert(string alertId, long? toIncidentId, string actor, DateTimeOffset? now = null)
        {
            var time = now ?? DateTimeOffset.UtcNow;
            using var tx = _store.BeginWrite();
            string? tenant = null; long? from = null;
            using (var cmd = _store.Command("SELECT tenant_id, incident_id FROM alerts WHERE id = $id", tx, ("$id", alertId)))
            using (var r = cmd.ExecuteReader())
            {
                if (!r.Read()) throw new KeyNotFoundException($"There is no alert '{alertId}' in the store '{_store.Path}'.");
                tenant = r.GetString(0);
                from = r.IsDBNull(1) ? null : r.GetInt64(1);
            }
            if (from == null) throw new ArgumentException($"Alert '{alertId}' is not correlated yet: import or correlate it first.");
            long to;
            string? anchor;
            if (toIncidentId is long target)
            {
                var t = Live(tx, target, "move an alert to");
                if (!string.Equals(t.TenantId, tenant, StringComparison.Ordinal))
                    throw new ArgumentException($"Alert '{alertId}' belongs to tenant '{tenant}' and incident {target} to '{t.TenantId}': alerts never move across tenants.");
                if (target == from) throw new ArgumentException($"Alert '{alertId}' is already in incident {target}.");
                to = target;
                anchor = FirstAlert(tx, to);
            }
            else
            {
                to = NewIncidentFor(_store, tx, alertId, time);
                anchor = null;
                HistoryLog.Append(_store, tx, to, time, actor, "Created", "SplitFromIncidentId", null, from.ToString());
            }

            foreach (var sql in new[]
            {
                "UPDATE alerts SET incident_id = $to WHERE id = $alert",
                // Links that held the alert in its old incident no longer explain anything.
                "DELETE FROM correlation_links WHERE incident_id = $from AND (alert_id = $alert OR linked_alert_id = $alert)",
                "UPDATE incidents SET version = version + 1, last_update = $now WHERE id IN ($from, $to)",
            })
                _store.Execute(sql, tx, ("$to", to), ("$from", from), ("$alert", alertId), ("$now", IncidentStore.Ticks(time)));
            Constrain(tx, time, actor, "Move", alertId, anchor, to);
            HistoryLog.Append(_store, tx, from.Value, time, actor, "AlertMoved", "Alerts", alertId, $"incident {to}");
            HistoryLog.Append(_store, tx, to, time, actor, "AlertAdded", "Alerts", $"incident {from}", alertId);

            using var aggregator = new IncidentAggregator(_store, tx, time);
            aggregator.Recompute(to);
            bool emptied = FirstAlert(tx, from.Value) == null;
            if (emptied) Redirect(_store, tx, from.Value, to, time, actor, $"its last alert {alertId} was moved by {actor}");
            else aggregator.Recompute(from.Value);
            tx.Commit();
            return new AlertMove { AlertId = alertId, FromIncidentId = from.Value, ToIncidentId = to, SourceRedirected = emptied };
        }

        /// <summary>An empty Active incident in the alert's tenant, with its severity and times; the caller moves the alert in.</summary>
        internal static long NewIncidentFor(IncidentStore store, SqliteTransaction tx, string alertId, DateTimeOffset now)
        {
            using var cmd = store.Command(
                @"INSERT INTO incidents (id, tenant_id, display_name, severity, status, created, last_update, first_activity, last_activity, alert_count, version)
                  SELECT " + IncidentStore.NextIncidentId + @", tenant_id, '', severity, $active, $now, $now, first_activity, last_activity, 0, 1 FROM alerts WHERE id = $id RETURNING id", tx,
                ("$active", (int)IncidentStatus.Active), ("$now", IncidentStore.Ticks(now)), ("$id", alertId));
            return Convert.ToInt64(cmd.ExecuteScalar());
        }

        Incident Live(SqliteTransaction tx, long id, string what)
        {
            using var cmd = _store.Command("SELECT " + IncidentReader.IncidentColumns + " FROM incidents i WHERE i.id = $id", tx, ("$id", id));
            using var r = cmd.ExecuteReader();
            if (!r.Read()) throw new KeyNotFoundException($"There is no incident {id} in the store '{_store.Path}'.");
            var incident = IncidentReader.ReadIncident(r);
            if (incident.Status == IncidentStatus.Redirected)
                throw new ArgumentException($"Cannot {what} incident {id}: it is Redirected into incident {incident.RedirectIncidentId}. Use that incident.");
            return incident;
        }

        string? FirstAlert(SqliteTransaction tx, long incidentId)
            => _store.Scalar("SELECT id FROM alerts WHERE incident_id = $i ORDER BY first_activity, id LIMIT 1", tx, ("$i", incidentId)) as string;

        List<string> Alerts(SqliteTransaction tx, long incidentId)
        {
            var list = new List<string>();
            using var cmd = _store.Command("SELECT id FROM alerts WHERE incident_id = $i ORDER BY first_activity, id", tx, ("$i", incidentId));
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add(r.GetString(0));
            return list;
        }

        void Constrain(SqliteTransaction tx, DateTimeOffset time, string actor, string kind, string alertId, string? anchorAlertId, long incidentId)
        {
            using var cmd = _store.Command(
                "INSERT INTO correlation_constraints (time, actor, kind, alert_id, anchor_alert_id, incident_id) VALUES ($t, $actor, $kind, $alert, $anchor, $incident)", tx,
                ("$t", IncidentStore.Ticks(time)), ("$actor", actor), ("$kind", kind), ("$alert", alertId), ("$anchor", anchorAlertId), ("$incident", incidentId));
            cmd.ExecuteNonQuery();
        }
    }
}
