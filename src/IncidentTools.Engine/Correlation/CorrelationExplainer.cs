using System;
using System.Collections.Generic;
using IncidentTools.Store;

namespace IncidentTools.Correlation
{
    /// <summary>
    /// Why an incident is what it is: for every alert, how it came in (the first alert, a shared entity with
    /// the alert it linked to, or a person's merge or move), where a merged incident went, then every merge or
    /// join that was refused.
    /// </summary>
    public sealed class CorrelationExplainer
    {
        readonly IncidentStore _store;
        public CorrelationExplainer(IncidentStore store) { _store = store; }

        /// <summary>A Redirected incident holds no alerts: it says where they went, who merged it and why.</summary>
        CorrelationLink? Redirection(long incidentId)
        {
            using var cmd = _store.Command(
                @"SELECT i.redirect_incident_id, h.time, h.actor,
                         (SELECT r.new_value FROM history r WHERE r.incident_id = i.redirect_incident_id AND r.action = 'MergeReason' AND r.id > m.id ORDER BY r.id LIMIT 1)
                  FROM incidents i
                  LEFT JOIN history h ON h.id = (SELECT max(id) FROM history WHERE incident_id = i.id AND action = 'Redirected')
                  LEFT JOIN history m ON m.id = (SELECT max(id) FROM history WHERE incident_id = i.redirect_incident_id AND action = 'Merged' AND new_value = CAST(i.id AS TEXT))
                  WHERE i.id = $id AND i.status = $redirected", null, ("$id", incidentId), ("$redirected", (int)IncidentStatus.Redirected));
            using var r = cmd.ExecuteReader();
            if (!r.Read() || r.IsDBNull(0)) return null;
            long into = r.GetInt64(0);
            return new CorrelationLink
            {
                IncidentId = incidentId, Kind = "Redirected", Rule = "Merge", OtherIncidentId = into,
                Time = r.IsDBNull(1) ? null : IncidentStore.Time(r.GetInt64(1)), Actor = r.IsDBNull(2) ? null : r.GetString(2),
                Reason = $"merged into incident {into}" + (r.IsDBNull(3) ? "" : ": " + r.GetString(3)) + $"; its alerts and their links are explained there (Get-IncidentCorrelation -IncidentId {into})",
            };
        }

        public IEnumerable<CorrelationLink> Explain(long incidentId)
        {
            // Each alert of the incident with every link it made here (the first joined it; any further one
            // merged the incident holding the linked alert into this one), else the person's decision, else it
            // started an incident: this one, or one that a later alert's link merged into this one.
            const string sql = @"
SELECT a.id,
       l.linked_alert_id, l.rule, l.gap_seconds, e.type, e.name, e.key,
       c.kind, c.actor, c.time, c.anchor_alert_id,
       row_number() OVER (PARTITION BY a.id ORDER BY l.rowid) AS nth
FROM alerts a
LEFT JOIN correlation_links l ON l.incident_id = $id AND l.alert_id = a.id
LEFT JOIN entities e ON e.id = l.entity_id
LEFT JOIN correlation_constraints c ON c.id = (SELECT max(id) FROM correlation_constraints WHERE alert_id = a.id AND incident_id = $id)
WHERE a.incident_id = $id
ORDER BY a.first_activity, a.id, l.rowid";
            var links = new List<CorrelationLink>();
            bool started = false;
            using (var cmd = _store.Command(sql, null, ("$id", incidentId)))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    var link = new CorrelationLink { IncidentId = incidentId, AlertId = r.GetString(0) };
                    if (!r.IsDBNull(1))
                    {
                        link.Kind = "SharedEntity";
                        link.LinkedAlertId = r.GetString(1);
                        link.Rule = r.GetString(2);
                        link.Gap = TimeSpan.FromSeconds(r.GetInt64(3));
                        if (!r.IsDBNull(4))
                        {
                            link.EntityType = (EntityType)r.GetInt32(4);
                            link.Entity = r.GetString(5);
                            link.EntityKey = r.GetString(6);
                        }
                        if (r.GetInt64(11) > 1) link.Reason = $"also linked the incident holding {link.LinkedAlertId}, which was merged into this one";
                    }
                    else if (!r.IsDBNull(7))
                    {
                        link.Kind = r.GetString(7);
                        link.Actor = r.GetString(8);
                        link.Time = IncidentStore.Time(r.GetInt64(9));
                        link.LinkedAlertId = r.IsDBNull(10) ? null : r.GetString(10);
                        link.Rule = "Manual" + link.Kind;
                        link.Reason = link.Kind == "Merge" ? $"{link.Actor} merged its incident into this one" : $"{link.Actor} moved the alert here";
                    }
                    else
                    {
                        link.Kind = "FirstAlert";
                        link.Rule = "FirstAlert";
                        link.Reason = started
                            ? "started an incident of its own (no earlier alert in the window shared a linking entity with it); a later alert linked it to this one"
                            : "started the incident (no earlier alert in the window shared a linking entity with it)";
                        started = true;
                    }
                    links.Add(link);
                }
            }
            foreach (var link in links) yield return link;
            if (Redirection(incidentId) is CorrelationLink redirected) yield return redirected;

            using (var cmd = _store.Command(
                @"SELECT time, alert_id, incident_id, other_incident_id, reason FROM correlation_refusals
                  WHERE incident_id = $id OR other_incident_id = $id OR alert_id IN (SELECT id FROM alerts WHERE incident_id = $id) ORDER BY id", null, ("$id", incidentId)))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    // The other incident as seen from this one.
                    long a = r.GetInt64(2);
                    long? b = r.IsDBNull(3) ? null : r.GetInt64(3);
                    yield return new CorrelationLink
                    {
                        IncidentId = incidentId, Kind = "Refused", Rule = "MergeRule", Time = IncidentStore.Time(r.GetInt64(0)), Actor = "system",
                        AlertId = r.GetString(1), OtherIncidentId = a == incidentId ? b : a, Reason = r.GetString(4),
                    };
                }
            }
        }
    }
}
