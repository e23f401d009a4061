using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using IncidentTools.Normalisation;
using IncidentTools.Store;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Correlation
{
    /// <summary>What a correlation pass did, for the import summary.</summary>
    public sealed class CorrelationResult
    {
        public SortedSet<long> CreatedIncidentIds { get; } = new SortedSet<long>();
        public SortedSet<long> UpdatedIncidentIds { get; } = new SortedSet<long>();
        public SortedSet<long> MergedIncidentIds { get; } = new SortedSet<long>();
        public int AlertsCorrelated { get; set; }
    }

    /// <summary>
    /// Incremental correlation. Alerts waiting for correlation are taken in (first activity, id) order, so the
    /// result does not depend on the order of records inside an import. For each alert the candidates are found
    /// by entity through an index (never by scanning incidents): stored alerts that share a linking entity and
    /// whose activity lies within the window. The alert joins the oldest acceptable incident; other incidents it
    /// links are merged into that one unless a merge rule refuses, and every refusal is recorded.
    /// </summary>
    public sealed class Correlator
    {
        readonly IncidentStore _store;
        readonly CorrelationPolicy _policy;
        readonly DateTimeOffset _now;

        public Correlator(IncidentStore store, CorrelationPolicy policy, DateTimeOffset now)
        {
            _store = store; _policy = policy; _now = now;
        }

        sealed class IncidentState
        {
            public long Id; public IncidentStatus Status; public string? AssignedTo; public Classification Classification;
            public Determination Determination; public int AlertCount;
        }

        sealed class Link
        {
            public long IncidentId; public string LinkedAlertId = ""; public long EntityId; public EntityType Type; public long GapSeconds;
        }

        /// <summary>Correlates every alert waiting for it, committing every batchSize alerts.</summary>
        public CorrelationResult CorrelatePending(int batchSize = 2000, CancellationToken cancel = default, Action<int>? progress = null)
        {
            var result = new CorrelationResult();
            while (!cancel.IsCancellationRequested)
            {
                using var tx = _store.BeginWrite();
                var batch = PendingAlerts(tx, batchSize);
                if (batch.Count == 0) { tx.Commit(); break; }
                var touched = new HashSet<long>();
                foreach (var alert in batch) Correlate(tx, alert, touched, result);
                new IncidentAggregator(_store, tx, _now).Recompute(touched);
                tx.Commit();
                result.AlertsCorrelated += batch.Count;
                progress?.Invoke(result.AlertsCorrelated);
            }
            // Ids a job can act on: incidents that still exist as themselves (merged ones are listed apart).
            result.CreatedIncidentIds.ExceptWith(result.MergedIncidentIds);
            result.UpdatedIncidentIds.ExceptWith(result.CreatedIncidentIds);
            result.UpdatedIncidentIds.ExceptWith(result.MergedIncidentIds);
            return result;
        }

        sealed class PendingAlert
        {
            public string Id = ""; public string TenantId = ""; public long First; public long Last; public long? IncidentId;
        }

        List<PendingAlert> PendingAlerts(SqliteTransaction tx, int limit)
        {
            var list = new List<PendingAlert>();
            using var cmd = _store.Command("SELECT id, tenant_id, first_activity, last_activity, incident_id FROM alerts WHERE needs_correlation = 1 ORDER BY first_activity, id LIMIT $limit", tx, ("$limit", limit));
            using var r = cmd.ExecuteReader();
            while (r.Read())
                list.Add(new PendingAlert { Id = r.GetString(0), TenantId = r.GetString(1), First = r.GetInt64(2), Last = r.GetInt64(3), IncidentId = r.IsDBNull(4) ? null : r.GetInt64(4) });
            return list;
        }

        void Correlate(SqliteTransaction tx, PendingAlert alert, HashSet<long> touched, CorrelationResult result)
        {
            var links = FindLinks(tx, alert);
            var states = links.Keys.Select(id => LoadIncident(tx, id)).Where(s => s != null).Select(s => s!).OrderBy(s => s.Id).ToList();

            IncidentState? target = alert.IncidentId is long own ? LoadIncident(tx, own) : null;
            var acceptable = new List<IncidentState>();
            foreach (var s in states)
            {
                if (target != null && s.Id == target.Id) continue;
                if (s.Status == IncidentStatus.Resolved && !_policy.ReopenResolved)
                {
                    Refuse(tx, alert.Id, s.Id, null, $"incident {s.Id} is Resolved: alert {alert.Id} does not join it (the policy does not reopen resolved incidents)");
                    continue;
                }
                acceptable.Add(s);
            }

            if (target == null)
            {
                foreach (var s in acceptable)
                {
                    if (s.AlertCount >= _policy.MaxAlertsPerIncident)
                    {
                        Refuse(tx, alert.Id, s.Id, null, $"incident {s.Id} has reached the cap of {_policy.MaxAlertsPerIncident} alerts: alert {alert.Id} goes to a continuation incident");
                        continue;
                    }
                    target = s;
                    break;
                }
            }

            bool created = false;
            if (target == null)
            {
                long id = CreateIncident(tx, alert);
                target = new IncidentState { Id = id, Status = IncidentStatus.Active };
                created = true;
                result.CreatedIncidentIds.Add(id);
                var capped = acceptable.Where(s => s.AlertCount >= _policy.MaxAlertsPerIncident).Select(s => s.Id).ToList();
                foreach (var c in capped)
                    HistoryLog.Append(_store, tx, id, _now, HistoryLog.System, "ContinuesIncident", "RelatedIncidentId", null, c.ToString());
            }

            if (alert.IncidentId != target.Id)
            {
                using (var cmd = _store.Command("UPDATE incidents SET alert_count = alert_count + 1 WHERE id = $id", tx, ("$id", target.Id))) cmd.ExecuteNonQuery();
                target.AlertCount++;
                if (!created && target.Status == IncidentStatus.Resolved)
                {
                    using var cmd = _store.Command("UPDATE incidents SET status = $active WHERE id = $id", tx, ("$id", target.Id), ("$active", (int)IncidentStatus.Active));
                    cmd.ExecuteNonQuery();
                    HistoryLog.Append(_store, tx, target.Id, _now, HistoryLog.System, "Reopened", "Status", nameof(IncidentStatus.Resolved), nameof(IncidentStatus.Active));
                    target.Status = IncidentStatus.Active;
                }
                HistoryLog.Append(_store, tx, target.Id, _now, HistoryLog.System, "AlertAdded", "Alerts", null, alert.Id);
            }
            using (var cmd = _store.Command("UPDATE alerts SET incident_id = $incident, needs_correlation = 0 WHERE id = $id", tx, ("$incident", target.Id), ("$id", alert.Id)))
                cmd.ExecuteNonQuery();
            if (links.TryGetValue(target.Id, out var link)) RecordLink(tx, target.Id, alert.Id, link);
            touched.Add(target.Id);
            if (!created) result.UpdatedIncidentIds.Add(target.Id);

            // The alert also links other incidents: merge them into the target unless a rule says no.
            foreach (var other in acceptable)
            {
                if (other.Id == target.Id) continue;
                string? refusal = MergeRefusal(target, other);
                if (refusal != null)
                {
                    Refuse(tx, alert.Id, target.Id, other.Id, refusal);
                    continue;
                }
                Merge(tx, other, target, $"alert {alert.Id} shares {links[other.Id].Type} entity {links[other.Id].EntityId} with both");
                RecordLink(tx, target.Id, alert.Id, links[other.Id]);
                target.AlertCount += other.AlertCount;
                result.MergedIncidentIds.Add(other.Id);
                result.UpdatedIncidentIds.Add(target.Id);
                touched.Add(target.Id);
            }
        }

        /// <summary>Defender's merge rules: why these two incidents must stay apart, or null when they may merge.</summary>
        string? MergeRefusal(IncidentState target, IncidentState other)
        {
            if (target.Status == IncidentStatus.Resolved || other.Status == IncidentStatus.Resolved)
                return $"incidents {target.Id} and {other.Id} were not merged: one of them is Resolved";
            if (!string.IsNullOrEmpty(target.AssignedTo) && !string.IsNullOrEmpty(other.AssignedTo)
                && !string.Equals(target.AssignedTo, other.AssignedTo, StringComparison.OrdinalIgnoreCase))
                return $"incidents {target.Id} and {other.Id} were not merged: they are assigned to different people ({target.AssignedTo}, {other.AssignedTo})";
            if (target.Classification != Classification.Unknown && other.Classification != Classification.Unknown && target.Classification != other.Classification)
                return $"incidents {target.Id} and {other.Id} were not merged: their classifications differ ({target.Classification}, {other.Classification})";
            if (target.Determination != Determination.Unknown && other.Determination != Determination.Unknown && target.Determination != other.Determination)
                return $"incidents {target.Id} and {other.Id} were not merged: their determinations differ ({target.Determination}, {other.Determination})";
            if (target.AlertCount + other.AlertCount > _policy.MaxAlertsPerIncident)
                return $"incidents {target.Id} and {other.Id} were not merged: together they would hold {target.AlertCount + other.AlertCount} alerts, over the cap of {_policy.MaxAlertsPerIncident}";
            return null;
        }

        /// <summary>For each incident the alert links to: the first link found (earliest alert, then id).</summary>
        Dictionary<long, Link> FindLinks(SqliteTransaction tx, PendingAlert alert)
        {
            var links = new Dictionary<long, Link>();
            long window = _policy.Window.Ticks;
            var entities = new List<(long Id, EntityType Type, string Key, string Name, int Count)>();
            using (var cmd = _store.Command("SELECT e.id, e.type, e.key, e.name, e.alert_count FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id WHERE ae.alert_id = $id ORDER BY e.type, e.key", tx, ("$id", alert.Id)))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) entities.Add((r.GetInt64(0), (EntityType)r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetInt32(4)));
            if (entities.Count == 0) return links;

            long tenantAlerts = TenantAlertCount(tx, alert.TenantId);
            using var find = _store.Command(
                @"SELECT a.id, a.incident_id, a.first_activity, a.last_activity FROM alert_entities ae JOIN alerts a ON a.id = ae.alert_id
                  WHERE ae.entity_id = $entity AND ae.last_activity >= $from AND ae.first_activity <= $to
                    AND a.incident_id IS NOT NULL AND a.id <> $self AND a.needs_correlation = 0
                  ORDER BY a.first_activity, a.id LIMIT $limit", tx);
            foreach (var e in entities)
            {
                if (_policy.LinkStrength(e.Type) < 1) continue;
                if (e.Count < 2) continue; // no other alert has this entity: nothing to look up
                if (EntityNormaliser.IsNoise(e.Type, e.Key, e.Name)) continue;
                if (tenantAlerts >= _policy.PrevalenceMinimumAlerts && e.Count > _policy.PrevalenceThreshold * tenantAlerts) continue;
                find.Parameters.Clear();
                find.Parameters.AddWithValue("$entity", e.Id);
                find.Parameters.AddWithValue("$from", alert.First - window);
                find.Parameters.AddWithValue("$to", alert.Last + window);
                find.Parameters.AddWithValue("$self", alert.Id);
                find.Parameters.AddWithValue("$limit", _policy.MaxCandidatesPerEntity);
                using var r = find.ExecuteReader();
                while (r.Read())
                {
                    long incident = r.GetInt64(1);
                    if (links.ContainsKey(incident)) continue;
                    long otherFirst = r.GetInt64(2), otherLast = r.GetInt64(3);
                    long gap = Math.Max(0, Math.Max(otherFirst - alert.Last, alert.First - otherLast));
                    links[incident] = new Link { IncidentId = incident, LinkedAlertId = r.GetString(0), EntityId = e.Id, Type = e.Type, GapSeconds = gap / TimeSpan.TicksPerSecond };
                }
            }
            return links;
        }

        readonly Dictionary<string, long> _tenantCounts = new Dictionary<string, long>();

        long TenantAlertCount(SqliteTransaction tx, string tenant)
        {
            if (_tenantCounts.TryGetValue(tenant, out var n)) return n;
            n = Convert.ToInt64(_store.Scalar("SELECT count(*) FROM alerts WHERE tenant_id = $t", tx, ("$t", tenant)));
            _tenantCounts[tenant] = n;
            return n;
        }

        IncidentState? LoadIncident(SqliteTransaction tx, long id)
        {
            using var cmd = _store.Command("SELECT id, status, assigned_to, classification, determination, alert_count FROM incidents WHERE id = $id", tx, ("$id", id));
            using var r = cmd.ExecuteReader();
            if (!r.Read()) return null;
            return new IncidentState
            {
                Id = r.GetInt64(0), Status = (IncidentStatus)r.GetInt32(1), AssignedTo = r.IsDBNull(2) ? null : r.GetString(2),
                Classification = (Classification)r.GetInt32(3), Determination = (Determination)r.GetInt32(4), AlertCount = r.GetInt32(5),
            };
        }

        long CreateIncident(SqliteTransaction tx, PendingAlert alert)
        {
            long now = IncidentStore.Ticks(_now);
            using var cmd = _store.Command(
                @"INSERT INTO incidents (tenant_id, display_name, severity, status, created, last_update, first_activity, last_activity, alert_count, version)
                  VALUES ($tenant, '', 0, $status, $now, $now, $first, $last, 0, 1) RETURNING id", tx,
                ("$tenant", alert.TenantId), ("$status", (int)IncidentStatus.Active), ("$now", now), ("$first", alert.First), ("$last", alert.Last));
            long id = Convert.ToInt64(cmd.ExecuteScalar());
            HistoryLog.Append(_store, tx, id, _now, HistoryLog.System, "Created");
            return id;
        }

        void Merge(SqliteTransaction tx, IncidentState source, IncidentState survivor, string reason)
        {
            // Settle the source's name, severity and counts first: a Redirected incident keeps what it was.
            new IncidentAggregator(_store, tx, _now).Recompute(source.Id);
            foreach (var sql in new[]
            {
                "UPDATE alerts SET incident_id = $survivor WHERE incident_id = $source",
                "UPDATE correlation_links SET incident_id = $survivor WHERE incident_id = $source",
                "INSERT OR IGNORE INTO incident_tags (incident_id, tag) SELECT $survivor, tag FROM incident_tags WHERE incident_id = $source",
                "UPDATE incidents SET status = $redirected, redirect_incident_id = $survivor, version = version + 1, last_update = $now WHERE id = $source",
            })
            {
                using var cmd = _store.Command(sql, tx, ("$survivor", survivor.Id), ("$source", source.Id),
                    ("$redirected", (int)IncidentStatus.Redirected), ("$now", IncidentStore.Ticks(_now)));
                cmd.ExecuteNonQuery();
            }
            HistoryLog.Append(_store, tx, source.Id, _now, HistoryLog.System, "Redirected", "RedirectIncidentId", null, survivor.Id.ToString());
            HistoryLog.Append(_store, tx, survivor.Id, _now, HistoryLog.System, "Merged", "MergedIncidentId", null, source.Id.ToString());
            HistoryLog.Append(_store, tx, survivor.Id, _now, HistoryLog.System, "MergeReason", null, null, reason);
        }

        void RecordLink(SqliteTransaction tx, long incidentId, string alertId, Link link)
        {
            using var cmd = _store.Command(
                "INSERT INTO correlation_links (incident_id, alert_id, linked_alert_id, entity_id, rule, gap_seconds) VALUES ($i, $a, $b, $e, $rule, $gap)", tx,
                ("$i", incidentId), ("$a", alertId), ("$b", link.LinkedAlertId), ("$e", link.EntityId), ("$rule", "SharedEntity:" + link.Type), ("$gap", link.GapSeconds));
            cmd.ExecuteNonQuery();
        }

        void Refuse(SqliteTransaction tx, string alertId, long incidentId, long? otherIncidentId, string reason)
        {
            using var cmd = _store.Command(
                "INSERT INTO correlation_refusals (time, alert_id, incident_id, other_incident_id, reason) VALUES ($t, $a, $i, $o, $r)", tx,
                ("$t", IncidentStore.Ticks(_now)), ("$a", alertId), ("$i", incidentId), ("$o", otherIncidentId), ("$r", reason));
            cmd.ExecuteNonQuery();
        }
    }
}
