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
        public HashSet<long> CreatedIncidentIds { get; } = new HashSet<long>();
        public HashSet<long> UpdatedIncidentIds { get; } = new HashSet<long>();
        public HashSet<long> MergedIncidentIds { get; } = new HashSet<long>();
        public int AlertsCorrelated { get; set; }

        /// <summary>An incident gained alerts: updated, unless this pass created it (then it is reported as created only).</summary>
        internal void NoteUpdated(long id)
        {
            if (!CreatedIncidentIds.Contains(id)) UpdatedIncidentIds.Add(id);
        }
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

        readonly Prevalence _prevalence;
        readonly ReplayOrigins? _replay;

        public Correlator(IncidentStore store, CorrelationPolicy policy, DateTimeOffset now) : this(store, policy, now, null) { }

        /// <param name="replay">
        /// Set when re-correlating stored alerts into provisional incidents (Invoke-IncidentCorrelation): each new
        /// incident takes the people's state (status, assignee, classification) of its first alert's former
        /// incident, so the merge rules hold as they do for the real incidents, and nothing is logged: the replay
        /// logs what changed once it has mapped the provisional incidents back onto the real ones.
        /// </param>
        internal Correlator(IncidentStore store, CorrelationPolicy policy, DateTimeOffset now, ReplayOrigins? replay)
        {
            _store = store; _policy = policy; _now = now; _replay = replay;
            _prevalence = new Prevalence(store, policy);
        }

        void Log(BatchStatements statements, long incidentId, string action, string? field = null, string? oldValue = null, string? newValue = null)
        {
            if (_replay != null) return;
            statements.History.Set("$incident", incidentId).Set("$time", IncidentStore.Ticks(_now)).Set("$actor", HistoryLog.System).Set("$action", action)
                              .Set("$field", field).Set("$old", oldValue).Set("$new", newValue).Run();
        }

        /// <summary>In a replay, an alert may rejoin the incident it came from whatever that incident's state.</summary>
        bool SameOrigin(PendingAlert alert, IncidentState incident)
            => _replay != null && _replay.OriginOf(incident.Id) is long origin && _replay.FormerIncidentOf(alert.Id) == origin;

        bool SameOrigin(IncidentState a, IncidentState b)
            => _replay != null && _replay.OriginOf(a.Id) is long origin && _replay.OriginOf(b.Id) == origin;

        sealed class IncidentState
        {
            public long Id; public IncidentStatus Status; public string? AssignedTo; public Classification Classification;
            public Determination Determination; public int AlertCount;
        }

        sealed class Link
        {
            public long IncidentId; public string LinkedAlertId = ""; public long EntityId; public EntityType Type; public long GapSeconds;
            public string Rule = "";
        }

        /// <summary>
        /// Correlates every alert waiting for it, committing every batchSize alerts or IncidentStore.MaxBatchDuration,
        /// whichever comes first. Large batches: each commit writes every page the batch touched.
        /// </summary>
        public CorrelationResult CorrelatePending(int batchSize = 10000, CancellationToken cancel = default, Action<int>? progress = null)
        {
            var result = new CorrelationResult();
            while (!cancel.IsCancellationRequested)
            {
                using var tx = _store.BeginWrite();
                int done = CorrelateBatch(tx, batchSize, result, cancel);
                tx.Commit();
                if (done == 0) break;
                progress?.Invoke(result.AlertsCorrelated);
            }
            // Ids a job can act on: incidents that still exist as themselves (merged ones are listed apart).
            result.CreatedIncidentIds.ExceptWith(result.MergedIncidentIds);
            result.UpdatedIncidentIds.ExceptWith(result.MergedIncidentIds);
            return result;
        }

        /// <summary>Correlates up to batchSize waiting alerts inside the caller's transaction; returns how many.</summary>
        /// <remarks>A stop request ends the batch after the alert at hand (Ctrl+C within a second); what was correlated
        /// is committed by the caller and the rest waits for the next import. The batch also ends after
        /// IncidentStore.MaxBatchDuration, so that a caller committing each batch lets other writers in.</remarks>
        internal int CorrelateBatch(SqliteTransaction tx, int batchSize, CorrelationResult result, CancellationToken cancel = default)
        {
            var batch = PendingAlerts(tx, batchSize);
            _longestSpan = LongestAlertSpan(_store, tx);
            if (batch.Count > 0) _prevalence.Cover(batch[0].First, batch[^1].First, _longestSpan);
            var touched = new HashSet<long>();
            int done = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var statements = new BatchStatements(_store, _policy.MaxCandidatesPerEntity);
            foreach (var alert in batch)
            {
                if (cancel.IsCancellationRequested) break;
                if (done > 0 && clock.Elapsed >= IncidentStore.MaxBatchDuration) break; // the rest in the next batch
                Correlate(tx, statements, alert, touched, result);
                done++;
            }
            using (var aggregator = new IncidentAggregator(_store, tx, _now, log: _replay == null)) aggregator.Recompute(touched);
            result.AlertsCorrelated += done;
            return done;
        }

        /// <summary>The longest activity span (last minus first activity) of any stored alert, in ticks: no alert of an
        /// entity that ends after a window's end plus this span can have started inside the window.</summary>
        long _longestSpan;

        /// <summary>The longest activity span of any stored alert, from the ix_alerts_span index.</summary>
        internal static long LongestAlertSpan(IncidentStore store, SqliteTransaction? tx)
            => store.Scalar(LongestAlertSpanSql, tx) is long span ? Math.Max(0, span) : 0;

        internal const string LongestAlertSpanSql = "SELECT max(last_activity - first_activity) FROM alerts";

        /// <summary>
        /// Candidates in the order of the entity's index (earliest activity in the window first), so the query stops
        /// after the limit instead of sorting every alert of a busy entity; $last (the window's end plus the longest
        /// alert span) ends the range, so it never reads the entity's later alerts to the end of the store either:
        /// the cost per alert is bounded however many alerts share the entity, as long as alerts are short.
        /// The limit is written into the statement, not bound: SQLite plans an ORDER BY ... LIMIT with the limit's
        /// value, so binding it again (even to the same value) re-prepared the statement on every lookup.
        /// </summary>
        internal static string CandidatesSql(int limit) => CandidateRows + " ORDER BY ae.last_activity, ae.first_activity, ae.alert_seq LIMIT " + limit;

        /// <summary>A common entity is on many alerts and links only with another shared entity: only the alerts nearest
        /// before this one are looked at (CommonEntityCandidates, with $last the alert's own end), read backwards
        /// through the same index.</summary>
        internal static readonly string NearestCandidatesSql = CandidateRows + " ORDER BY ae.last_activity DESC, ae.first_activity DESC, ae.alert_seq DESC LIMIT " + CommonEntityCandidates;

        /// <summary>The correlated alerts of an entity whose activity lies in [$from, $to] and that end by $last.</summary>
        const string CandidateRows =
            @"SELECT a.id, a.incident_id, a.first_activity, a.last_activity FROM alert_entities ae JOIN alerts a ON a.seq = ae.alert_seq
              WHERE ae.entity_id = $entity AND ae.last_activity >= $from AND ae.last_activity <= $last AND ae.first_activity <= $to
                AND ae.alert_seq <> $self AND a.incident_id IS NOT NULL AND a.needs_correlation = 0";

        sealed class PendingAlert
        {
            public long Seq; public string Id = ""; public string TenantId = ""; public long First; public long Last; public long? IncidentId;
        }

        List<PendingAlert> PendingAlerts(SqliteTransaction tx, int limit)
        {
            var list = new List<PendingAlert>();
            using var cmd = _store.Command("SELECT seq, id, tenant_id, first_activity, last_activity, incident_id FROM alerts WHERE needs_correlation = 1 ORDER BY first_activity, id LIMIT $limit", tx, ("$limit", limit));
            using var r = cmd.ExecuteReader();
            while (r.Read())
                list.Add(new PendingAlert { Seq = r.GetInt64(0), Id = r.GetString(1), TenantId = r.GetString(2), First = r.GetInt64(3), Last = r.GetInt64(4), IncidentId = r.IsDBNull(5) ? null : r.GetInt64(5) });
            return list;
        }

        void Correlate(SqliteTransaction tx, BatchStatements statements, PendingAlert alert, HashSet<long> touched, CorrelationResult result)
        {
            var links = FindLinks(tx, statements, alert);
            var states = links.Keys.Select(id => LoadIncident(statements, id)).Where(s => s != null).Select(s => s!).OrderBy(s => s.Id).ToList();

            IncidentState? target = alert.IncidentId is long own ? LoadIncident(statements, own) : null;
            var acceptable = new List<IncidentState>();
            foreach (var s in states)
            {
                if (target != null && s.Id == target.Id) continue;
                if (s.Status == IncidentStatus.Resolved && !_policy.ReopenResolved && !SameOrigin(alert, s))
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
                long id = CreateIncident(tx, statements, alert);
                target = _replay != null ? LoadIncident(statements, id)! : new IncidentState { Id = id, Status = IncidentStatus.Active };
                created = true;
                result.CreatedIncidentIds.Add(id);
                var capped = acceptable.Where(s => s.AlertCount >= _policy.MaxAlertsPerIncident).Select(s => s.Id).ToList();
                foreach (var c in capped)
                    Log(statements, id, "ContinuesIncident", "RelatedIncidentId", null, c.ToString());
            }

            if (alert.IncidentId != target.Id)
            {
                statements.AddAlert.Set("$id", target.Id).Run();
                target.AlertCount++;
                if (!created && target.Status == IncidentStatus.Resolved && !SameOrigin(alert, target))
                {
                    using var cmd = _store.Command("UPDATE incidents SET status = $active WHERE id = $id", tx, ("$id", target.Id), ("$active", (int)IncidentStatus.Active));
                    cmd.ExecuteNonQuery();
                    Log(statements, target.Id, "Reopened", "Status", nameof(IncidentStatus.Resolved), nameof(IncidentStatus.Active));
                    target.Status = IncidentStatus.Active;
                }
                Log(statements, target.Id, "AlertAdded", "Alerts", null, alert.Id);
            }
            statements.SetIncident.Set("$incident", target.Id).Set("$seq", alert.Seq).Run();
            if (links.TryGetValue(target.Id, out var link)) RecordLink(statements, target.Id, alert.Id, link);
            touched.Add(target.Id);
            if (!created) result.NoteUpdated(target.Id);

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
                if (_replay != null) _replay.Fold(tx, other.Id, target.Id);
                else IncidentMerger.Redirect(_store, tx, other.Id, target.Id, _now, HistoryLog.System, $"alert {alert.Id} shares {links[other.Id].Type} {EntityName(tx, links[other.Id].EntityId)} with both");
                RecordLink(statements, target.Id, alert.Id, links[other.Id]);
                target.AlertCount += other.AlertCount;
                result.MergedIncidentIds.Add(other.Id);
                result.NoteUpdated(target.Id);
                touched.Add(target.Id);
            }
        }

        /// <summary>Defender's merge rules: why these two incidents must stay apart, or null when they may merge.</summary>
        string? MergeRefusal(IncidentState target, IncidentState other)
        {
            if (SameOrigin(target, other)) return null; // two parts of one former incident (replay)
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
        Dictionary<long, Link> FindLinks(SqliteTransaction tx, BatchStatements statements, PendingAlert alert)
        {
            var links = new Dictionary<long, Link>();
            long window = _policy.Window.Ticks;
            var entities = new List<(long Id, EntityType Type, string Key, string Name, int Count)>();
            foreach (var r in statements.EntitiesOfAlert.Set("$seq", alert.Seq).Rows())
                entities.Add((r.Int64(0), (EntityType)r.Int32(1), r.Text(2), r.Text(3), r.Int32(4)));
            if (entities.Count == 0) return links;

            // An entity type of strength 1 links on its own; weaker ones (and too-common entities, which keep the
            // policy's PrevalentLinkStrength) link only together, when the strengths of the entities an alert shares
            // with one incident add up to 1 (an IP and a URL at 0.5 each; an attacked host and its account).
            // Common entities only link when an asset anchors them: a host with its account, or a host with
            // cmd.exe, is the story of one machine; two common files or a proxy with a popular domain are what
            // unrelated alerts share. Entities that link on their own come first, so a link is explained by one
            // entity whenever one suffices.
            var linking = new List<(long Id, EntityType Type, double Strength, bool Anchors, bool Common)>();
            foreach (var e in entities)
            {
                double strength = _policy.LinkStrength(e.Type);
                if (strength <= 0 || EntityNormaliser.IsNoise(e.Type, e.Key, e.Name)) continue;
                if (e.Count < 2) continue; // no other alert has this entity: nothing to look up
                bool common = EntityNormaliser.IsCommonByNature(e.Type, e.Key) || _prevalence.IsTooCommon(tx, alert.TenantId, e.Id, e.Count, alert.First);
                if (common) strength = Math.Min(strength, _policy.PrevalentLinkStrength);
                if (strength > 0) linking.Add((e.Id, e.Type, strength, !common || IsAsset(e.Type), common));
            }
            var partial = new Dictionary<long, (double Strength, Link First, List<EntityType> Types, bool Anchored)>();
            var ordered = linking.OrderByDescending(x => x.Strength >= 1 - 1e-9).ToList();
            // What the entities from each position on can still add: their strengths, and whether one of them anchors.
            var strengthFrom = new double[ordered.Count + 1];
            var anchorFrom = new bool[ordered.Count + 1];
            for (int k = ordered.Count - 1; k >= 0; k--)
            {
                strengthFrom[k] = strengthFrom[k + 1] + ordered[k].Strength;
                anchorFrom[k] = anchorFrom[k + 1] || ordered[k].Anchors;
            }
            for (int k = 0; k < ordered.Count; k++)
            {
                var (entityId, type, strength, anchors, common) = ordered[k];
                // A weak entity's candidates matter only for an incident they can still bring to a link: a new one
                // when the weak entities left add up to 1 with an anchor among them, or one already partly linked.
                // When there is none, its lookup (and every later one) cannot change the result and is skipped:
                // the common processes and system files of most alerts cost nothing.
                if (strength < 1 - 1e-9 && !CanStillLink(partial, links, strengthFrom[k], anchorFrom[k])) break;
                var query = common ? statements.NearestCandidates : statements.Candidates;
                query.Set("$entity", entityId).Set("$from", alert.First - window).Set("$to", alert.Last + window).Set("$self", alert.Seq);
                query.Set("$last", common ? alert.Last : alert.Last + window + _longestSpan);
                var seenThroughThis = new Dictionary<long, (Link Link, long First, long Last)>();
                foreach (var r in query.Rows())
                {
                    long incident = r.Int64(1);
                    long otherFirst = r.Int64(2), otherLast = r.Int64(3);
                    if (seenThroughThis.TryGetValue(incident, out var seen))
                    {
                        // Rows of equal activity come in the order alerts were stored; the link names the one with the
                        // first id in the query's direction, so that it does not depend on the order of an import.
                        if (seen.First == otherFirst && seen.Last == otherLast && string.CompareOrdinal(r.Text(0), seen.Link.LinkedAlertId) * (common ? -1 : 1) < 0)
                            seen.Link.LinkedAlertId = r.Text(0);
                        continue;
                    }
                    if (links.ContainsKey(incident)) continue;
                    long gap = Math.Max(0, Math.Max(otherFirst - alert.Last, alert.First - otherLast));
                    var link = new Link { IncidentId = incident, LinkedAlertId = r.Text(0), EntityId = entityId, Type = type, GapSeconds = gap / TimeSpan.TicksPerSecond };
                    seenThroughThis[incident] = (link, otherFirst, otherLast);
                    var sum = partial.TryGetValue(incident, out var p) ? p : (Strength: 0.0, First: link, Types: new List<EntityType>(), Anchored: false);
                    sum.Types.Add(type);
                    sum.Strength += strength;
                    sum.Anchored |= anchors;
                    partial[incident] = sum;
                    if (sum.Strength >= 1 - 1e-9 && sum.Anchored)
                    {
                        var first = sum.First;
                        first.Rule = sum.Types.Count == 1 ? "SharedEntity:" + first.Type : "SharedEntities:" + string.Join("+", sum.Types.OrderBy(t => t));
                        links[incident] = first;
                    }
                }
            }
            return links;
        }

        /// <summary>The statements correlation runs for every alert and entity, prepared once per batch.</summary>
        sealed class BatchStatements : IDisposable
        {
            public readonly Statement EntitiesOfAlert, Candidates, NearestCandidates, LoadIncident, InsertIncident, AddAlert, SetIncident, InsertLink, History;
            readonly Statement[] _all;

            public BatchStatements(IncidentStore store, int maxCandidates)
            {
                LoadIncident = new Statement(store, "SELECT id, status, assigned_to, classification, determination, alert_count FROM incidents WHERE id = $id");
                InsertIncident = new Statement(store,
                    @"INSERT INTO incidents (id, tenant_id, display_name, severity, status, created, last_update, first_activity, last_activity, alert_count, version)
                      VALUES (" + IncidentStore.NextIncidentId + @", $tenant, '', 0, $status, $now, $now, $first, $last, 0, 1)");
                AddAlert = new Statement(store, "UPDATE incidents SET alert_count = alert_count + 1 WHERE id = $id");
                SetIncident = new Statement(store, "UPDATE alerts SET incident_id = $incident, needs_correlation = 0 WHERE seq = $seq");
                InsertLink = new Statement(store,
                    "INSERT INTO correlation_links (incident_id, alert_id, linked_alert_id, entity_id, rule, gap_seconds) VALUES ($i, $a, $b, $e, $rule, $gap)");
                History = new Statement(store, HistoryLog.InsertSql);
                EntitiesOfAlert = new Statement(store,
                    "SELECT e.id, e.type, e.key, e.name, e.alert_count FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id WHERE ae.alert_seq = $seq ORDER BY e.type, e.key");
                Candidates = new Statement(store, CandidatesSql(maxCandidates));
                NearestCandidates = new Statement(store, NearestCandidatesSql);
                _all = new[] { EntitiesOfAlert, Candidates, NearestCandidates, LoadIncident, InsertIncident, AddAlert, SetIncident, InsertLink, History };
            }

            public void Dispose()
            {
                foreach (var statement in _all) statement.Dispose();
            }
        }

        /// <summary>Whether entities adding up to `strength` (anchoring or not) can still complete a link to some incident.</summary>
        static bool CanStillLink(Dictionary<long, (double Strength, Link First, List<EntityType> Types, bool Anchored)> partial,
                                 Dictionary<long, Link> links, double strength, bool anchors)
        {
            if (strength >= 1 - 1e-9 && anchors) return true; // a new incident
            foreach (var (incident, sum) in partial)
                if (!links.ContainsKey(incident) && sum.Strength + strength >= 1 - 1e-9 && (sum.Anchored || anchors)) return true;
            return false;
        }

        /// <summary>How many of a common entity's alerts (the nearest before the alert) are looked at.</summary>
        const int CommonEntityCandidates = 25;

        /// <summary>The assets an incident is about: devices, users and mailboxes.</summary>
        static bool IsAsset(EntityType type) => type == EntityType.Device || type == EntityType.User || type == EntityType.Mailbox;

        static IncidentState? LoadIncident(BatchStatements statements, long id)
        {
            foreach (var r in statements.LoadIncident.Set("$id", id).Rows())
                return new IncidentState
                {
                    Id = r.Int64(0), Status = (IncidentStatus)r.Int32(1), AssignedTo = r.TextOrNull(2),
                    Classification = (Classification)r.Int32(3), Determination = (Determination)r.Int32(4), AlertCount = r.Int32(5),
                };
            return null;
        }

        long CreateIncident(SqliteTransaction tx, BatchStatements statements, PendingAlert alert)
        {
            long now = IncidentStore.Ticks(_now);
            statements.InsertIncident.Set("$tenant", alert.TenantId).Set("$status", (int)IncidentStatus.Active).Set("$now", now)
                                     .Set("$first", alert.First).Set("$last", alert.Last).Run();
            long id = statements.InsertIncident.LastInsertRowId;
            Log(statements, id, "Created");
            _replay?.Adopt(tx, id, alert.Id);
            return id;
        }

        /// <summary>The entity as a source wrote it, for messages people read.</summary>
        string EntityName(SqliteTransaction tx, long entityId)
            => _store.Scalar("SELECT name FROM entities WHERE id = $e", tx, ("$e", entityId)) is string name ? "'" + name + "'" : "entity " + entityId;

        static void RecordLink(BatchStatements statements, long incidentId, string alertId, Link link)
            => statements.InsertLink.Set("$i", incidentId).Set("$a", alertId).Set("$b", link.LinkedAlertId).Set("$e", link.EntityId)
                                    .Set("$rule", link.Rule).Set("$gap", link.GapSeconds).Run();

        void Refuse(SqliteTransaction tx, string alertId, long incidentId, long? otherIncidentId, string reason)
        {
            using var cmd = _store.Command(
                "INSERT INTO correlation_refusals (time, alert_id, incident_id, other_incident_id, reason) VALUES ($t, $a, $i, $o, $r)", tx,
                ("$t", IncidentStore.Ticks(_now)), ("$a", alertId), ("$i", incidentId), ("$o", otherIncidentId), ("$r", reason));
            cmd.ExecuteNonQuery();
        }
    }
}
