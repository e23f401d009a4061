using System;
using System.Collections.Generic;
using System.Linq;

namespace IncidentTools.Store
{
    /// <summary>An incident offered by tab completion: its id, name and what tells it apart at a glance.</summary>
    public sealed class IncidentChoice
    {
        public long Id { get; set; }
        public string DisplayName { get; set; } = "";
        public Severity Severity { get; set; }
        public IncidentStatus Status { get; set; }
        public int AlertCount { get; set; }
        public DateTimeOffset LastActivityDateTime { get; set; }
    }

    /// <summary>A value offered by tab completion, with how often it is used (most used first).</summary>
    public sealed class ValueChoice
    {
        public string Value { get; set; } = "";
        public string Detail { get; set; } = "";
    }

    /// <summary>
    /// The small, bounded queries behind tab completion: every one has a LIMIT, so completing against a store of
    /// a million alerts costs what completing against ten does. Text matches are prefix matches, case-insensitive.
    /// </summary>
    public sealed class CompletionQueries
    {
        public const int DefaultLimit = 50;
        readonly IncidentStore _store;
        public CompletionQueries(IncidentStore store) { _store = store; }

        static string Prefix(string typed) => Like(typed) + "%";

        /// <summary>What was typed as a LIKE pattern: % and _ literal, the wildcards * and ? kept as wildcards.</summary>
        static string Like(string typed)
            => typed.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").Replace('*', '%').Replace('?', '_');

        /// <summary>
        /// Incidents whose id starts with the digits typed, or whose name contains the text typed; open incidents
        /// first, then the most recent activity.
        /// </summary>
        public IEnumerable<IncidentChoice> Incidents(string typed, int limit = DefaultLimit)
        {
            bool digits = typed.Length > 0 && typed.All(char.IsDigit);
            string where = typed.Length == 0 ? "1 = 1"
                : digits ? "CAST(id AS TEXT) LIKE $p ESCAPE '\\'"
                : "display_name LIKE $p ESCAPE '\\'";
            string pattern = digits ? typed + "%" : "%" + Like(typed) + "%";
            using var cmd = _store.Command(
                $@"SELECT id, display_name, severity, status, alert_count, last_activity FROM incidents WHERE {where}
                   ORDER BY status IN ($resolved, $redirected), last_activity DESC, id DESC LIMIT $limit", null,
                ("$p", pattern), ("$limit", limit), ("$resolved", (int)IncidentStatus.Resolved), ("$redirected", (int)IncidentStatus.Redirected));
            using var r = cmd.ExecuteReader();
            while (r.Read())
                yield return new IncidentChoice
                {
                    Id = r.GetInt64(0), DisplayName = r.GetString(1), Severity = (Severity)r.GetInt32(2), Status = (IncidentStatus)r.GetInt32(3),
                    AlertCount = r.GetInt32(4), LastActivityDateTime = IncidentStore.Time(r.GetInt64(5)),
                };
        }

        /// <summary>Tags in use (of the given incidents only, when given), most used first.</summary>
        public IEnumerable<ValueChoice> Tags(string typed, long[]? incidentIds = null, int limit = DefaultLimit)
        {
            var ps = new List<(string, object?)> { ("$p", Prefix(typed)), ("$limit", limit) };
            string only = "";
            if (incidentIds is { Length: > 0 })
            {
                only = " AND incident_id IN (" + string.Join(", ", incidentIds.Select((id, i) => { ps.Add(("$i" + i, id)); return "$i" + i; })) + ")";
            }
            return Values($"SELECT tag, count(*) FROM incident_tags WHERE tag LIKE $p ESCAPE '\\'{only} GROUP BY tag ORDER BY count(*) DESC, tag LIMIT $limit",
                ps.ToArray(), n => n == 1 ? "1 incident" : $"{n} incidents");
        }

        /// <summary>People incidents are assigned to, most assigned first.</summary>
        public IEnumerable<ValueChoice> Assignees(string typed, int limit = DefaultLimit)
            => Values("SELECT assigned_to, count(*) FROM incidents WHERE assigned_to LIKE $p ESCAPE '\\' AND assigned_to <> '' GROUP BY assigned_to COLLATE NOCASE ORDER BY count(*) DESC, assigned_to LIMIT $limit",
                new (string, object?)[] { ("$p", Prefix(typed)), ("$limit", limit) }, n => n == 1 ? "1 incident" : $"{n} incidents");

        /// <summary>Entity names (as written in the alerts) starting with the text typed, optionally of some types only.</summary>
        public IEnumerable<ValueChoice> EntityNames(string typed, EntityType[]? types = null, int limit = DefaultLimit)
        {
            var ps = new List<(string, object?)> { ("$p", Prefix(typed)), ("$limit", limit) };
            string only = "";
            if (types is { Length: > 0 })
                only = " AND type IN (" + string.Join(", ", types.Select((t, i) => { ps.Add(("$t" + i, (int)t)); return "$t" + i; })) + ")";
            using var cmd = _store.Command(
                $"SELECT name, type, sum(alert_count) FROM entities WHERE name LIKE $p ESCAPE '\\'{only} GROUP BY name COLLATE NOCASE, type ORDER BY sum(alert_count) DESC, name LIMIT $limit",
                null, ps.ToArray());
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                long alerts = r.GetInt64(2);
                yield return new ValueChoice { Value = r.GetString(0), Detail = $"{(EntityType)r.GetInt32(1)}, {alerts} alert{(alerts == 1 ? "" : "s")}" };
            }
        }

        IEnumerable<ValueChoice> Values(string sql, (string, object?)[] parameters, Func<long, string> detail)
        {
            using var cmd = _store.Command(sql, null, parameters);
            using var r = cmd.ExecuteReader();
            while (r.Read()) yield return new ValueChoice { Value = r.GetString(0), Detail = detail(r.GetInt64(1)) };
        }
    }
}
