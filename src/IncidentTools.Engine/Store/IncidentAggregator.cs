using System;
using System.Collections.Generic;
using System.Linq;
using IncidentTools.Correlation;
using IncidentTools.Normalisation;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json;

namespace IncidentTools.Store
{
    /// <summary>
    /// Recomputes what an incident derives from its alerts: times, counts, severity (unless a person set it),
    /// categories, sources, the generated name (until a person renames it) and priority. Changes that matter
    /// to people (severity raised) go to the activity log.
    /// </summary>
    /// <remarks>
    /// Correlation recomputes every incident a batch touched (one per new incident), so the four statements of a
    /// recompute run through SQLite's API (Statement), prepared once per aggregator: through SqliteCommand the
    /// fifteen parameters of the update were looked up by name on every run. Dispose the aggregator to finalize them.
    /// </remarks>
    internal sealed class IncidentAggregator : IDisposable
    {
        readonly IncidentStore _store;
        readonly SqliteTransaction _tx;
        readonly DateTimeOffset _now;

        readonly bool _log;
        Statement? _alerts, _entities, _incident, _update;

        /// <param name="log">False while a replay builds provisional incidents: their changes are logged once, when mapped.</param>
        public IncidentAggregator(IncidentStore store, SqliteTransaction tx, DateTimeOffset now, bool log = true) { _store = store; _tx = tx; _now = now; _log = log; }

        public void Dispose()
        {
            _alerts?.Dispose(); _entities?.Dispose(); _incident?.Dispose(); _update?.Dispose();
        }

        public void Recompute(IEnumerable<long> incidentIds)
        {
            foreach (var id in incidentIds.OrderBy(i => i)) Recompute(id);
        }

        public void Recompute(long id)
        {
            int count = 0, maxSeverity = 0;
            long first = long.MaxValue, last = long.MinValue;
            string? singleTitle = null;
            var categories = new List<string>();
            var services = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            var detections = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            var titles = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            _alerts ??= new Statement(_store, "SELECT title, severity, category, service_source, detection_source, first_activity, last_activity, detector_id FROM alerts WHERE incident_id = $id");
            foreach (var r in _alerts.Set("$id", id).Rows())
            {
                count++;
                singleTitle = r.Text(0);
                maxSeverity = Math.Max(maxSeverity, r.Int32(1));
                if (!r.IsNull(2)) categories.Add(r.Text(2));
                if (!r.IsNull(3)) services.Add(r.Text(3));
                if (!r.IsNull(4)) detections.Add(r.Text(4));
                first = Math.Min(first, r.Int64(5));
                last = Math.Max(last, r.Int64(6));
                titles.Add(r.IsNull(7) ? r.Text(0) : r.Text(7));
            }

            // An incident without alerts (redirected, or emptied by a move) keeps what it was.
            if (count == 0) return;

            int devices = 0, users = 0, mailboxes = 0;
            if (_entities == null)
            {
                _entities = new Statement(_store,
                    @"SELECT DISTINCT e.type, e.key, e.name FROM alerts a JOIN alert_entities ae ON ae.alert_seq = a.seq JOIN entities e ON e.id = ae.entity_id
                      WHERE a.incident_id = $id AND e.type IN ($user, $device, $mailbox)");
                _entities.Set("$user", (int)EntityType.User).Set("$device", (int)EntityType.Device).Set("$mailbox", (int)EntityType.Mailbox);
            }
            foreach (var r in _entities.Set("$id", id).Rows())
            {
                var type = (EntityType)r.Int32(0);
                if (type == EntityType.Device) devices++;
                else if (type == EntityType.Mailbox) mailboxes++;
                else if (!EntityNormaliser.IsNoise(type, r.Text(1), r.Text(2))) users++; // SYSTEM is not an impacted user
            }

            string? oldName = null; bool nameByUser = false; int oldSeverity = 0; int? overrideSeverity = null; int status = 0; bool found = false;
            _incident ??= new Statement(_store, "SELECT display_name, display_name_by_user, severity, severity_override, status FROM incidents WHERE id = $id");
            foreach (var r in _incident.Set("$id", id).Rows())
            {
                oldName = r.Text(0); nameByUser = r.Int64(1) != 0; oldSeverity = r.Int32(2);
                overrideSeverity = r.IsNull(3) ? null : r.Int32(3); status = r.Int32(4);
                found = true;
            }
            if (!found) return;
            if (status == (int)IncidentStatus.Redirected) return;
            if (count == 0) { first = last = IncidentStore.Ticks(_now); }

            var ordered = IncidentNamer.Order(categories);
            int severity = overrideSeverity ?? Math.Max(maxSeverity, (int)Severity.Informational);
            string name = nameByUser ? oldName! : IncidentNamer.Name(count, count == 1 ? singleTitle : null, ordered, devices, users, mailboxes, services.Count);
            var (priority, factors) = PriorityCalculator.Compute((Severity)severity, ordered.Count(IncidentNamer.IsTactic),
                devices + users + mailboxes, titles.Count, IncidentStore.Time(last), _now, (IncidentStatus)status);

            _update ??= new Statement(_store,
                @"UPDATE incidents SET display_name = $name, severity = $severity, first_activity = $first, last_activity = $last, alert_count = $count,
                    device_count = $devices, user_count = $users, mailbox_count = $mailboxes, categories = $categories, service_sources = $services,
                    detection_sources = $detections, priority = $priority, priority_factors = $factors, last_update = $now, version = version + 1
                  WHERE id = $id");
            _update.Set("$id", id).Set("$name", name).Set("$severity", severity).Set("$first", first).Set("$last", last).Set("$count", count)
                .Set("$devices", devices).Set("$users", users).Set("$mailboxes", mailboxes).Set("$categories", StoredJson.Strings(ordered))
                .Set("$services", StoredJson.Strings(services)).Set("$detections", StoredJson.Strings(detections))
                .Set("$priority", priority).Set("$factors", StoredJson.Counts(factors)).Set("$now", IncidentStore.Ticks(_now)).Run();

            if (_log && oldName != "" && oldName != name)
                HistoryLog.Append(_store, _tx, id, _now, HistoryLog.System, "Renamed", "DisplayName", oldName, name);
            if (_log && oldSeverity != 0 && severity > oldSeverity)
                HistoryLog.Append(_store, _tx, id, _now, HistoryLog.System, "SeverityRaised", "Severity", ((Severity)oldSeverity).ToString(), ((Severity)severity).ToString());
        }

        /// <summary>After a status change: a closed incident's priority drops to 0, a reopened one gets its factors' score back.</summary>
        public void SettlePriority(long id)
        {
            IncidentStatus status; SortedDictionary<string, int> factors;
            using (var cmd = _store.Command("SELECT status, priority_factors FROM incidents WHERE id = $id", _tx, ("$id", id)))
            using (var r = cmd.ExecuteReader())
            {
                if (!r.Read()) return;
                status = (IncidentStatus)r.GetInt32(0);
                factors = JsonConvert.DeserializeObject<SortedDictionary<string, int>>(r.GetString(1)) ?? new SortedDictionary<string, int>();
            }
            var (priority, settled) = PriorityCalculator.ForStatus(factors, status);
            using var update = _store.Command("UPDATE incidents SET priority = $priority, priority_factors = $factors WHERE id = $id", _tx,
                ("$id", id), ("$priority", priority), ("$factors", StoredJson.Counts(settled)));
            update.ExecuteNonQuery();
        }
    }
}
