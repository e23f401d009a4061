using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json;

namespace IncidentTools.Store
{
    /// <summary>Queries over the store: incidents, their alerts, entities, comments, history and correlation links.</summary>
    public sealed class IncidentReader
    {
        readonly IncidentStore _store;
        public IncidentReader(IncidentStore store) { _store = store; }

        internal const string IncidentColumns = @"i.id, i.tenant_id, i.display_name, i.display_name_by_user, i.description, i.severity, i.severity_override, i.status,
            i.assigned_to, i.classification, i.determination, i.system_tags, i.created, i.last_update, i.first_activity, i.last_activity,
            i.alert_count, i.device_count, i.user_count, i.mailbox_count, i.categories, i.service_sources, i.detection_sources,
            i.redirect_incident_id, i.resolving_comment, i.priority, i.priority_factors, i.version,
            (SELECT json_group_array(tag) FROM (SELECT tag FROM incident_tags t WHERE t.incident_id = i.id ORDER BY tag))";

        /// <summary>Incidents matching the filter, streamed: a caller that stops early stops the query.</summary>
        public IEnumerable<Incident> Incidents(IncidentFilter f)
        {
            var where = new List<string>();
            var ps = new List<(string, object?)>();
            int n = 0;
            string P(object? v) { string name = "$p" + (n++); ps.Add((name, v)); return name; }
            string In<T>(IEnumerable<T> values, Func<T, object> conv) => "(" + string.Join(", ", values.Select(v => P(conv(v)))) + ")";
            string TextMatch(string column, IEnumerable<string> values)
                => "(" + string.Join(" OR ", values.Select(v => Wildcard.Condition(column, v, P))) + ")";

            if (f.Ids is { Length: > 0 }) where.Add("i.id IN " + In(f.Ids, v => v));
            if (f.TenantIds is { Length: > 0 }) where.Add(TextMatch("i.tenant_id", f.TenantIds));
            if (f.Statuses is { Length: > 0 }) where.Add("i.status IN " + In(f.Statuses, v => (int)v));
            if (f.Severities is { Length: > 0 }) where.Add("i.severity IN " + In(f.Severities, v => (int)v));
            if (f.AlertSeverities is { Length: > 0 }) where.Add("EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id AND a.severity IN " + In(f.AlertSeverities, v => (int)v) + ")");
            var assigned = new List<string>();
            if (f.Unassigned) assigned.Add("(i.assigned_to IS NULL OR i.assigned_to = '')");
            if (f.AssignedTo is { Length: > 0 })
            {
                var named = f.AssignedTo.Where(a => a.Length > 0).ToList();
                if (f.AssignedTo.Any(a => a.Length == 0)) assigned.Add("(i.assigned_to IS NULL OR i.assigned_to = '')");
                if (named.Count > 0) assigned.Add(TextMatch("i.assigned_to", named));
            }
            if (assigned.Count > 0) where.Add("(" + string.Join(" OR ", assigned) + ")");
            if (f.Classifications is { Length: > 0 }) where.Add("i.classification IN " + In(f.Classifications, v => (int)v));
            if (f.Determinations is { Length: > 0 }) where.Add("i.determination IN " + In(f.Determinations, v => (int)v));
            if (f.Tags is { Length: > 0 }) where.Add("EXISTS (SELECT 1 FROM incident_tags t WHERE t.incident_id = i.id AND " + TextMatch("t.tag", f.Tags) + ")");
            if (f.ServiceSources is { Length: > 0 }) where.Add("EXISTS (SELECT 1 FROM json_each(i.service_sources) j WHERE " + TextMatch("j.value", f.ServiceSources) + ")");
            if (f.DetectionSources is { Length: > 0 }) where.Add("EXISTS (SELECT 1 FROM json_each(i.detection_sources) j WHERE " + TextMatch("j.value", f.DetectionSources) + ")");
            if (f.Categories is { Length: > 0 }) where.Add("EXISTS (SELECT 1 FROM json_each(i.categories) j WHERE " + TextMatch("j.value", f.Categories) + ")");
            if (f.MultipleCategories) where.Add("json_array_length(i.categories) >= 2");
            // Entities first (by their name, key and other names' indexes), then their alerts' incidents: never a scan of all links.
            if (f.Entities is { Length: > 0 })
                where.Add("i.id IN (SELECT a.incident_id FROM alert_entities ae JOIN alerts a ON a.seq = ae.alert_seq WHERE ae.entity_id IN "
                          + "(SELECT e.id FROM entities e WHERE " + TextMatch("e.name", f.Entities)
                          + " UNION SELECT n.entity_id FROM entity_names n WHERE " + TextMatch("n.name", f.Entities)
                          + " UNION SELECT x.entity_id FROM entity_aliases x WHERE " + AliasMatch(f.Entities, P) + "))");
            if (f.Since is DateTimeOffset since) where.Add("i.last_activity >= " + P(IncidentStore.Ticks(since)));
            if (f.Until is DateTimeOffset until) where.Add("i.last_activity <= " + P(IncidentStore.Ticks(until)));
            if (f.CreatedSince is DateTimeOffset cs) where.Add("i.created >= " + P(IncidentStore.Ticks(cs)));
            if (f.CreatedUntil is DateTimeOffset cu) where.Add("i.created <= " + P(IncidentStore.Ticks(cu)));
            if (f.UpdatedSince is DateTimeOffset us) where.Add("i.last_update >= " + P(IncidentStore.Ticks(us)));
            if (f.UpdatedUntil is DateTimeOffset uu) where.Add("i.last_update <= " + P(IncidentStore.Ticks(uu)));

            string dir = f.Ascending ? "ASC" : "DESC";
            string order = f.SortBy switch
            {
                IncidentSortBy.Priority => $"i.priority {dir}, i.last_activity {dir}, i.id {dir}",
                IncidentSortBy.Severity => $"i.severity {dir}, i.last_activity {dir}, i.id {dir}",
                IncidentSortBy.Id => $"i.id {(f.Ascending ? "ASC" : "ASC")}",
                IncidentSortBy.Created => $"i.created {dir}, i.id {dir}",
                _ => $"i.last_activity {dir}, i.id {dir}",
            };
            if (f.SortBy == IncidentSortBy.Id && !f.Ascending) order = "i.id DESC";
            var sql = new StringBuilder("SELECT ").Append(IncidentColumns).Append(" FROM incidents i");
            if (where.Count > 0) sql.Append(" WHERE ").Append(string.Join(" AND ", where));
            sql.Append(" ORDER BY ").Append(order);
            sql.Append(" LIMIT ").Append(P(f.First ?? -1)).Append(" OFFSET ").Append(P(f.Skip));

            using var cmd = _store.Command(sql.ToString(), null, ps.ToArray());
            using var r = cmd.ExecuteReader();
            while (r.Read()) yield return ReadIncident(r);
        }

        public Incident? Incident(long id) => Incidents(new IncidentFilter { Ids = new[] { id } }).FirstOrDefault();

        internal static Incident ReadIncident(SqliteDataReader r)
        {
            return new Incident
            {
                Id = r.GetInt64(0), TenantId = r.GetString(1), DisplayName = r.GetString(2), DisplayNameSetByUser = r.GetInt64(3) != 0,
                Description = r.IsDBNull(4) ? null : r.GetString(4), Severity = (Severity)r.GetInt32(5),
                SeverityOverride = r.IsDBNull(6) ? null : (Severity)r.GetInt32(6), Status = (IncidentStatus)r.GetInt32(7),
                AssignedTo = r.IsDBNull(8) ? null : r.GetString(8), Classification = (Classification)r.GetInt32(9),
                Determination = (Determination)r.GetInt32(10), SystemTags = Strings(r.GetString(11)),
                CreatedDateTime = IncidentStore.Time(r.GetInt64(12)), LastUpdateDateTime = IncidentStore.Time(r.GetInt64(13)),
                FirstActivityDateTime = IncidentStore.Time(r.GetInt64(14)), LastActivityDateTime = IncidentStore.Time(r.GetInt64(15)),
                AlertCount = r.GetInt32(16), DeviceCount = r.GetInt32(17), UserCount = r.GetInt32(18), MailboxCount = r.GetInt32(19),
                Categories = Strings(r.GetString(20)), ServiceSources = Strings(r.GetString(21)), DetectionSources = Strings(r.GetString(22)),
                RedirectIncidentId = r.IsDBNull(23) ? null : r.GetInt64(23), ResolvingComment = r.IsDBNull(24) ? null : r.GetString(24),
                Priority = r.GetInt32(25), PriorityFactors = JsonConvert.DeserializeObject<FactorMap>(r.GetString(26)) ?? new FactorMap(),
                Version = r.GetInt64(27), Tags = Strings(r.GetString(28)),
            };
        }

        internal static string[] Strings(string json) => JsonConvert.DeserializeObject<string[]>(json) ?? Array.Empty<string>();

        /// <summary>A stored JSON object of strings (properties, provider context), with case-insensitive keys.</summary>
        internal static Dictionary<string, string> Properties(string json)
            => new Dictionary<string, string>(JsonConvert.DeserializeObject<Dictionary<string, string>>(json) ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);

        const string AlertColumns = @"a.id, a.provider_alert_id, a.source, a.tenant_id, a.incident_id, a.title, a.description, a.severity, a.status, a.category,
            a.mitre_techniques, a.service_source, a.detection_source, a.detector_id, a.created, a.first_activity, a.last_activity, a.provider_context, a.import_id, a.truncated";

        /// <summary>Alerts of the given incidents (or with the given ids), oldest activity first, with their evidence.</summary>
        public IEnumerable<Alert> Alerts(long[]? incidentIds, string[]? alertIds, bool includeOriginal = false)
        {
            var ps = new List<(string, object?)>();
            var where = new List<string>();
            int n = 0;
            string P(object? v) { string name = "$p" + (n++); ps.Add((name, v)); return name; }
            if (incidentIds is { Length: > 0 }) where.Add("a.incident_id IN (" + string.Join(", ", incidentIds.Select(i => P(i))) + ")");
            if (alertIds is { Length: > 0 })
                where.Add("(" + string.Join(" OR ", alertIds.Select(id => Wildcard.Condition("a.id", id, P) + " OR " + Wildcard.Condition("a.provider_alert_id", id, P))) + ")");
            string sql = $"SELECT {AlertColumns}{(includeOriginal ? ", (SELECT o.original FROM alert_originals o WHERE o.alert_seq = a.seq)" : "")} FROM alerts a"
                + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY a.first_activity, a.id";
            using var cmd = _store.Command(sql, null, ps.ToArray());
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var a = new Alert
                {
                    Id = r.GetString(0), ProviderAlertId = r.GetString(1), Source = r.GetString(2), TenantId = r.GetString(3),
                    IncidentId = r.IsDBNull(4) ? null : r.GetInt64(4), Title = r.GetString(5), Description = r.IsDBNull(6) ? null : r.GetString(6),
                    Severity = (Severity)r.GetInt32(7), Status = (AlertStatus)r.GetInt32(8), Category = r.IsDBNull(9) ? null : r.GetString(9),
                    MitreTechniques = Strings(r.GetString(10)), ServiceSource = r.IsDBNull(11) ? null : r.GetString(11),
                    DetectionSource = r.IsDBNull(12) ? null : r.GetString(12), DetectorId = r.IsDBNull(13) ? null : r.GetString(13),
                    CreatedDateTime = IncidentStore.Time(r.GetInt64(14)), FirstActivityDateTime = IncidentStore.Time(r.GetInt64(15)),
                    LastActivityDateTime = IncidentStore.Time(r.GetInt64(16)),
                    ProviderContext = IncidentReader.Properties(r.GetString(17)),
                    ImportId = r.IsDBNull(18) ? null : r.GetString(18),
                    Truncated = JsonConvert.DeserializeObject<Truncation[]>(r.GetString(19)) ?? Array.Empty<Truncation>(),
                };
                if (includeOriginal && !r.IsDBNull(20)) a.OriginalRecord = AlertWriter.Unpack((byte[])r.GetValue(20));
                a.Evidence = Evidence(a.Id);
                yield return a;
            }
        }

        /// <summary>
        /// Matches an entity's identifiers, its own key among them, case-insensitively: an exact value through the
        /// NOCASE alias index, a wildcard by pattern.
        /// </summary>
        static string AliasMatch(IEnumerable<string> values, Func<object, string> p)
            => "(" + string.Join(" OR ", values.Select(v => Wildcard.Has(v)
                ? Wildcard.Condition("x.alias", v, p)
                : $"x.alias = {p(Wildcard.Unescape(v).Trim())} COLLATE NOCASE")) + ")";

        /// <summary>An alert's evidence: each entity with the key this alert gave it (the entity may be known by several).</summary>
        internal const string EvidenceSql = "SELECT e.type, coalesce(ae.key, e.key), ae.name, ae.roles, ae.verdict, ae.properties FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id WHERE ae.alert_seq = (SELECT seq FROM alerts WHERE id = $id) ORDER BY e.type, e.key";

        internal static List<Evidence> ReadEvidence(SqliteDataReader r)
        {
            var list = new List<Evidence>();
            while (r.Read())
                list.Add(new Evidence
                {
                    Type = (EntityType)r.GetInt32(0), Key = r.GetString(1), Name = r.GetString(2), Roles = Strings(r.GetString(3)),
                    Verdict = r.IsDBNull(4) ? null : r.GetString(4),
                    Properties = IncidentReader.Properties(r.GetString(5)),
                });
            return list;
        }

        List<Evidence> Evidence(string alertId)
        {
            using var cmd = _store.Command(EvidenceSql, null, ("$id", alertId));
            using var r = cmd.ExecuteReader();
            return ReadEvidence(r);
        }

        /// <summary>Entities of incidents (all incidents when none given), or of some alerts only; one row per incident and entity.</summary>
        public IEnumerable<Entity> Entities(long[]? incidentIds, EntityType[]? types, string[]? names, string[]? alertIds = null)
        {
            var ps = new List<(string, object?)>();
            var where = new List<string> { "a.incident_id IS NOT NULL" };
            int n = 0;
            string P(object? v) { string name = "$p" + (n++); ps.Add((name, v)); return name; }
            if (incidentIds is { Length: > 0 }) where.Add("a.incident_id IN (" + string.Join(", ", incidentIds.Select(i => P(i))) + ")");
            if (alertIds is { Length: > 0 }) where.Add("a.id IN (" + string.Join(", ", alertIds.Select(i => P(i))) + ")");
            if (types is { Length: > 0 }) where.Add("e.type IN (" + string.Join(", ", types.Select(t => P((int)t))) + ")");
            if (names is { Length: > 0 })
                where.Add("(" + string.Join(" OR ", names.Select(v => "(" + Wildcard.Condition("e.name", v, P)
                    + " OR e.id IN (SELECT x.entity_id FROM entity_aliases x WHERE " + AliasMatch(new[] { v }, P) + "))")) + ")");
            string sql = $@"SELECT a.incident_id, e.type, e.key, e.name, a.tenant_id, count(DISTINCT a.id), min(a.first_activity), max(a.last_activity),
                    max(ae.verdict), json_group_array(ae.roles), max(ae.properties),
                    (SELECT json_group_array(x.alias) FROM (SELECT alias FROM entity_aliases WHERE entity_id = e.id ORDER BY alias) x)
                FROM alerts a JOIN alert_entities ae ON ae.alert_seq = a.seq JOIN entities e ON e.id = ae.entity_id
                WHERE {string.Join(" AND ", where)}
                GROUP BY a.incident_id, e.id ORDER BY a.incident_id, e.type, e.name";
            using var cmd = _store.Command(sql, null, ps.ToArray());
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var roles = (JsonConvert.DeserializeObject<string[]>(r.GetString(9)) ?? Array.Empty<string>())
                    .SelectMany(Strings).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
                yield return new Entity
                {
                    IncidentId = r.GetInt64(0), Type = (EntityType)r.GetInt32(1), Key = r.GetString(2), Name = r.GetString(3), TenantId = r.GetString(4),
                    AlertCount = r.GetInt32(5), FirstSeen = IncidentStore.Time(r.GetInt64(6)), LastSeen = IncidentStore.Time(r.GetInt64(7)),
                    Verdict = r.IsDBNull(8) ? null : r.GetString(8), Roles = roles,
                    Properties = IncidentReader.Properties(r.GetString(10)),
                    Aliases = JsonConvert.DeserializeObject<string[]>(r.GetString(11)) ?? Array.Empty<string>(),
                };
            }
        }

        /// <summary>An incident and every incident merged into it (directly or through others): their comments and history stay reachable from the survivor.</summary>
        const string MergedFamily = "WITH RECURSIVE family(id) AS (SELECT $id UNION SELECT i.id FROM incidents i JOIN family f ON i.redirect_incident_id = f.id) ";

        /// <summary>Comments of the incident and of incidents merged into it, oldest first; IncidentId says where each was written.</summary>
        public IEnumerable<IncidentComment> Comments(long incidentId)
        {
            using var cmd = _store.Command(MergedFamily + "SELECT incident_id, comment, created_by, created FROM comments WHERE incident_id IN family ORDER BY id", null, ("$id", incidentId));
            using var r = cmd.ExecuteReader();
            while (r.Read())
                yield return new IncidentComment { IncidentId = r.GetInt64(0), Comment = r.GetString(1), CreatedByDisplayName = r.GetString(2), CreatedDateTime = IncidentStore.Time(r.GetInt64(3)) };
        }

        public IEnumerable<HistoryEntry> History(long incidentId)
        {
            using var cmd = _store.Command(MergedFamily + "SELECT incident_id, time, actor, action, field, old_value, new_value, version FROM history WHERE incident_id IN family ORDER BY id", null, ("$id", incidentId));
            using var r = cmd.ExecuteReader();
            while (r.Read())
                yield return new HistoryEntry
                {
                    IncidentId = r.GetInt64(0), Time = IncidentStore.Time(r.GetInt64(1)), Actor = r.GetString(2), Action = r.GetString(3),
                    Field = r.IsDBNull(4) ? null : r.GetString(4), OldValue = r.IsDBNull(5) ? null : r.GetString(5),
                    NewValue = r.IsDBNull(6) ? null : r.GetString(6), Version = r.GetInt64(7),
                };
        }
    }
}
