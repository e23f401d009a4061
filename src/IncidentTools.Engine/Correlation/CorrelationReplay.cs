using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using IncidentTools.Store;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Correlation
{
    /// <summary>One incident that a replay changes (or would change, under -WhatIf).</summary>
    public sealed class ReplayChange
    {
        /// <summary>Changed (kept its id, alerts came or went), Split (some of its alerts now form other incidents),
        /// Merged (all its alerts went to another incident: it becomes Redirected), or New (formed from parts of others).</summary>
        public string Kind { get; set; } = "";
        /// <summary>The incident; null for a New incident under -WhatIf (it would get an id when applied).</summary>
        public long? IncidentId { get; set; }
        public string TenantId { get; set; } = "";
        public int AlertsBefore { get; set; }
        public int AlertsAfter { get; set; }
        public string[] AlertsAdded { get; set; } = Array.Empty<string>();
        public string[] AlertsRemoved { get; set; } = Array.Empty<string>();
        /// <summary>Where its alerts went (Split, Merged) or came from (New, Changed): incidents that exist. Under -WhatIf
        /// new incidents have no id yet and are only counted in NewIncidentCount.</summary>
        public long[] RelatedIncidentIds { get; set; } = Array.Empty<long>();
        /// <summary>How many of the incidents its alerts went to (or came from) are new ones the replay creates.</summary>
        public int NewIncidentCount { get; set; }
        public bool Applied { get; set; }
    }

    /// <summary>
    /// What a replay knows about the incidents before it: each alert's former incident and, for each provisional
    /// incident the replay creates, the former incident it stands for (that of its first alert).
    /// </summary>
    internal sealed class ReplayOrigins
    {
        readonly IncidentStore _store;
        readonly Dictionary<string, long> _formerIncident;
        readonly Dictionary<long, long> _origin = new Dictionary<long, long>();

        public ReplayOrigins(IncidentStore store, Dictionary<string, long> formerIncident) { _store = store; _formerIncident = formerIncident; }

        public long? FormerIncidentOf(string alertId) => _formerIncident.TryGetValue(alertId, out var id) ? id : null;
        public long? OriginOf(long provisional) => _origin.TryGetValue(provisional, out var id) ? id : null;

        /// <summary>A new provisional incident takes people's state from its first alert's former incident.</summary>
        public void Adopt(SqliteTransaction tx, long provisional, string firstAlertId)
        {
            if (FormerIncidentOf(firstAlertId) is not long former) return;
            _origin[provisional] = former;
            using var cmd = _store.Command(
                @"UPDATE incidents SET (status, assigned_to, classification, determination) =
                    (SELECT status, assigned_to, classification, determination FROM incidents WHERE id = $former) WHERE id = $id", tx,
                ("$former", former), ("$id", provisional));
            cmd.ExecuteNonQuery();
        }

        /// <summary>
        /// Folds a provisional incident into another incident (a merge during the replay, or a provisional group
        /// that keeps a former id): its alerts, links and refusals move over and its row goes; nothing to log yet.
        /// </summary>
        public void Fold(SqliteTransaction tx, long source, long target)
        {
            foreach (var sql in new[]
            {
                "UPDATE alerts SET incident_id = $target WHERE incident_id = $source",
                "UPDATE correlation_links SET incident_id = $target WHERE incident_id = $source",
                "UPDATE correlation_refusals SET incident_id = $target WHERE incident_id = $source",
                "UPDATE correlation_refusals SET other_incident_id = $target WHERE other_incident_id = $source",
                "UPDATE incidents SET alert_count = (SELECT count(*) FROM alerts WHERE incident_id = $target) WHERE id = $target",
                "DELETE FROM history WHERE incident_id = $source",
                "DELETE FROM incidents WHERE id = $source",
            })
                _store.Execute(sql, tx, ("$source", source), ("$target", target));
            _origin.Remove(source);
        }
    }

    /// <summary>
    /// Re-runs correlation over the stored alerts under a policy and maps the result back onto the incidents
    /// people work on. Each new group keeps the id of the former incident that gives it most of its alerts (the
    /// largest groups choose first), so assignee, classification, tags, comments and history stay with their
    /// alerts; a group that keeps no id is a new incident that takes the work of the incident most of its alerts
    /// came from and says so in its history; a former incident whose alerts all went elsewhere becomes Redirected.
    /// People's merges and moves are applied again, in the order they were made. Everything happens in one
    /// transaction, committed only when applying: a preview (WhatIf) reports the same changes and rolls back.
    /// </summary>
    public sealed class CorrelationReplay
    {
        readonly IncidentStore _store;
        readonly CorrelationPolicy _policy;
        readonly DateTimeOffset _now;

        public CorrelationReplay(IncidentStore store, CorrelationPolicy policy, DateTimeOffset? now = null)
        {
            policy.Validate();
            _store = store; _policy = policy; _now = now ?? DateTimeOffset.UtcNow;
        }

        public List<ReplayChange> Run(string[]? tenants, bool apply, string actor, CancellationToken cancel = default, Action<int, int>? progress = null)
        {
            using var tx = _store.BeginWrite();
            string scope = tenants is { Length: > 0 } ? "tenant_id IN (" + string.Join(", ", tenants.Select((_, i) => "$t" + i)) + ")" : "1 = 1";
            var scopeParams = (tenants ?? Array.Empty<string>()).Select((t, i) => ("$t" + i, (object?)t)).ToArray();

            // 1. What is there now.
            var former = new Dictionary<string, long>(StringComparer.Ordinal);
            using (var cmd = _store.Command($"SELECT id, incident_id FROM alerts WHERE incident_id IS NOT NULL AND {scope}", tx, scopeParams))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) former[r.GetString(0)] = r.GetInt64(1);
            var formerIncidents = new SortedSet<long>(former.Values);
            long firstProvisional = Convert.ToInt64(_store.Scalar("SELECT " + IncidentStore.NextIncidentId, tx));

            // 2. Detach the alerts and forget how they were grouped (people's history stays).
            foreach (var sql in new[]
            {
                $"DELETE FROM correlation_links WHERE incident_id IN (SELECT incident_id FROM alerts WHERE incident_id IS NOT NULL AND {scope})",
                $"DELETE FROM correlation_refusals WHERE incident_id IN (SELECT incident_id FROM alerts WHERE incident_id IS NOT NULL AND {scope})",
                $"UPDATE alerts SET incident_id = NULL, needs_correlation = 1 WHERE {scope}",
            })
                _store.Execute(sql, tx, scopeParams);

            // 3. Correlate again into provisional incidents, then apply people's merges and moves.
            var origins = new ReplayOrigins(_store, former);
            var correlator = new Correlator(_store, _policy, _now, origins);
            var ignored = new CorrelationResult();
            int total = former.Count, done = 0;
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                int n = correlator.CorrelateBatch(tx, 2000, ignored, cancel);
                if (n == 0) break;
                done += n;
                progress?.Invoke(done, total);
            }
            ApplyConstraints(tx, origins, firstProvisional);

            // 4. Map provisional incidents onto former ones.
            var groups = new List<(long Id, List<string> Alerts)>();
            using (var cmd = _store.Command("SELECT incident_id, id FROM alerts WHERE incident_id >= $p ORDER BY incident_id, first_activity, id", tx, ("$p", firstProvisional)))
            using (var r = cmd.ExecuteReader())
                while (r.Read())
                {
                    long g = r.GetInt64(0);
                    if (groups.Count == 0 || groups[^1].Id != g) groups.Add((g, new List<string>()));
                    groups[^1].Alerts.Add(r.GetString(1));
                }
            var keeper = new Dictionary<long, long>(); // provisional → former id it keeps
            var claimed = new HashSet<long>();
            foreach (var g in groups.OrderByDescending(g => g.Alerts.Count).ThenBy(g => g.Id))
            {
                var best = g.Alerts.Where(former.ContainsKey).GroupBy(a => former[a])
                    .Where(x => !claimed.Contains(x.Key)).OrderByDescending(x => x.Count()).ThenBy(x => x.Key).FirstOrDefault();
                if (best == null) continue;
                keeper[g.Id] = best.Key;
                claimed.Add(best.Key);
            }

            var after = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var g in groups)
            {
                long final = keeper.TryGetValue(g.Id, out var k) ? k : g.Id;
                foreach (var a in g.Alerts) after[a] = final;
                if (final != g.Id) origins.Fold(tx, g.Id, final); // it keeps a former id: its alerts and links move over
                else NewIncident(tx, g.Id, g.Alerts, former, actor);
            }
            var changes = Compare(former, after, formerIncidents, groups.Select(g => keeper.TryGetValue(g.Id, out var k) ? k : g.Id));
            foreach (var c in changes) c.TenantId = _store.Scalar("SELECT tenant_id FROM incidents WHERE id = $id", tx, ("$id", c.IncidentId)) as string ?? "";

            // 5. Former incidents that kept none of their alerts redirect to where most of them went.
            using var aggregator = new IncidentAggregator(_store, tx, _now);
            foreach (var c in changes)
            {
                if (c.Kind == "Merged") IncidentMerger.Redirect(_store, tx, c.IncidentId!.Value, c.RelatedIncidentIds[0], _now, actor, "re-correlation moved all its alerts there");
                else if (c.IncidentId is long id && c.Kind != "New")
                {
                    using (var cmd = _store.Command("UPDATE incidents SET version = version + 1, last_update = $now WHERE id = $id", tx, ("$id", id), ("$now", IncidentStore.Ticks(_now))))
                        cmd.ExecuteNonQuery();
                    HistoryLog.Append(_store, tx, id, _now, actor, "Recorrelated", "AlertCount", c.AlertsBefore.ToString(), c.AlertsAfter.ToString());
                }
            }
            // Only incidents whose alerts changed: recomputing the others would raise their Version and LastUpdate
            // (and move their recency-based priority) although nothing happened to them.
            aggregator.Recompute(changes.Where(c => c.Kind != "Merged" && c.IncidentId != null).Select(c => c.IncidentId!.Value));

            if (apply) tx.Commit();
            else tx.Rollback();
            foreach (var c in changes)
            {
                c.Applied = apply;
                c.NewIncidentCount = c.RelatedIncidentIds.Count(id => !formerIncidents.Contains(id));
                if (apply) continue;
                // Provisional ids are rolled back: a preview names only incidents that exist.
                if (c.Kind == "New") c.IncidentId = null;
                c.RelatedIncidentIds = c.RelatedIncidentIds.Where(formerIncidents.Contains).ToArray();
            }
            return changes;
        }

        /// <summary>People's merges and moves, in the order they made them, over the provisional grouping.</summary>
        void ApplyConstraints(SqliteTransaction tx, ReplayOrigins origins, long firstProvisional)
        {
            var rules = new List<(string Kind, string Alert, string? Anchor)>();
            using (var cmd = _store.Command("SELECT kind, alert_id, anchor_alert_id FROM correlation_constraints ORDER BY id", tx))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) rules.Add((r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)));
            foreach (var (kind, alert, anchor) in rules)
            {
                long? from = IncidentOf(tx, alert);
                if (from is not long f || f < firstProvisional) continue; // alert gone or outside the replayed tenants
                long? to = anchor == null ? null : IncidentOf(tx, anchor);
                if (kind == "Merge")
                {
                    if (to is long t && t != f) origins.Fold(tx, f, t);
                }
                else if (to is long t)
                {
                    if (t != f) MoveOne(tx, alert, f, t);
                }
                else if (Convert.ToInt64(_store.Scalar("SELECT count(*) FROM alerts WHERE incident_id = $f", tx, ("$f", f))) > 1)
                {
                    // Moved to a new incident: it stands alone again.
                    MoveOne(tx, alert, f, IncidentMerger.NewIncidentFor(_store, tx, alert, _now));
                }
            }
        }

        void MoveOne(SqliteTransaction tx, string alert, long from, long to)
        {
            foreach (var sql in new[]
            {
                "UPDATE alerts SET incident_id = $to WHERE id = $alert",
                "DELETE FROM correlation_links WHERE incident_id = $from AND (alert_id = $alert OR linked_alert_id = $alert)",
            })
                _store.Execute(sql, tx, ("$to", to), ("$from", from), ("$alert", alert));
            if (_store.Scalar("SELECT 1 FROM alerts WHERE incident_id = $f LIMIT 1", tx, ("$f", from)) == null)
                using (var cmd = _store.Command("DELETE FROM incidents WHERE id = $f", tx, ("$f", from))) cmd.ExecuteNonQuery();
        }

        long? IncidentOf(SqliteTransaction tx, string alertId)
            => _store.Scalar("SELECT incident_id FROM alerts WHERE id = $id", tx, ("$id", alertId)) is long id ? id : null;

        /// <summary>A group that keeps no former id: it takes the work of the incident most of its alerts came from.</summary>
        void NewIncident(SqliteTransaction tx, long id, List<string> alerts, Dictionary<string, long> former, string actor)
        {
            using (var del = _store.Command("DELETE FROM history WHERE incident_id = $id", tx, ("$id", id))) del.ExecuteNonQuery();
            var source = alerts.Where(former.ContainsKey).GroupBy(a => former[a]).OrderByDescending(x => x.Count()).ThenBy(x => x.Key).Select(x => (long?)x.Key).FirstOrDefault();
            HistoryLog.Append(_store, tx, id, _now, actor, "Created", "SplitFromIncidentId", null, source?.ToString());
            if (source is not long s) return;
            foreach (var sql in new[]
            {
                @"UPDATE incidents SET (status, assigned_to, classification, determination, severity_override) =
                    (SELECT status, assigned_to, classification, determination, severity_override FROM incidents WHERE id = $s) WHERE id = $id",
                "INSERT OR IGNORE INTO incident_tags (incident_id, tag) SELECT $id, tag FROM incident_tags WHERE incident_id = $s",
            })
                _store.Execute(sql, tx, ("$id", id), ("$s", s));
            HistoryLog.Append(_store, tx, s, _now, actor, "Split", "SplitIntoIncidentId", null, id.ToString());
        }

        static List<ReplayChange> Compare(Dictionary<string, long> before, Dictionary<string, long> after, SortedSet<long> formerIncidents, IEnumerable<long> finalIncidents)
        {
            var beforeSets = before.GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal));
            var afterSets = after.GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal));
            var changes = new List<ReplayChange>();
            foreach (var id in formerIncidents.Union(finalIncidents).OrderBy(i => i))
            {
                var was = beforeSets.TryGetValue(id, out var b) ? b : new HashSet<string>(StringComparer.Ordinal);
                var now = afterSets.TryGetValue(id, out var a) ? a : new HashSet<string>(StringComparer.Ordinal);
                if (was.SetEquals(now)) continue;
                var removed = was.Except(now).OrderBy(x => x, StringComparer.Ordinal).ToArray();
                var added = now.Except(was).OrderBy(x => x, StringComparer.Ordinal).ToArray();
                bool isNew = !formerIncidents.Contains(id);
                string kind = isNew ? "New" : now.Count == 0 ? "Merged" : removed.Any(x => !formerIncidents.Contains(after[x])) ? "Split" : "Changed";
                var related = isNew || kind == "Changed"
                    ? added.Where(before.ContainsKey).Select(x => before[x]).Concat(removed.Select(x => after[x]))
                    : removed.Select(x => after[x]).GroupBy(x => x).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key);
                changes.Add(new ReplayChange
                {
                    Kind = kind, IncidentId = id,
                    AlertsBefore = was.Count, AlertsAfter = now.Count, AlertsAdded = added, AlertsRemoved = removed,
                    RelatedIncidentIds = related.Distinct().Where(x => x != id).ToArray(),
                });
            }
            return changes;
        }
    }
}
