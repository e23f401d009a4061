using System;
using System.Collections.Generic;

namespace IncidentTools.Store
{
    public enum IncidentSortBy { LastActivity, Priority, Severity, Id, Created }

    /// <summary>
    /// A Get-Incident query. Several values in one filter mean "any of"; filters combine with "and". Text filters
    /// take * and ? wildcards. Everything, paging included, runs in SQL with parameters.
    /// </summary>
    public sealed class IncidentFilter
    {
        public long[]? Ids { get; set; }
        public string[]? TenantIds { get; set; }
        public IncidentStatus[]? Statuses { get; set; }
        public Severity[]? Severities { get; set; }
        public Severity[]? AlertSeverities { get; set; }
        public string[]? AssignedTo { get; set; }
        public bool Unassigned { get; set; }
        public Classification[]? Classifications { get; set; }
        public Determination[]? Determinations { get; set; }
        public string[]? Tags { get; set; }
        public string[]? ServiceSources { get; set; }
        public string[]? DetectionSources { get; set; }
        public string[]? Categories { get; set; }
        /// <summary>Only incidents with two or more categories.</summary>
        public bool MultipleCategories { get; set; }
        /// <summary>Any entity's name or normalised key.</summary>
        public string[]? Entities { get; set; }
        public DateTimeOffset? Since { get; set; }
        public DateTimeOffset? Until { get; set; }
        public DateTimeOffset? CreatedSince { get; set; }
        public DateTimeOffset? CreatedUntil { get; set; }
        /// <summary>LastUpdateDateTime range: the last change by anyone (an edit, a new alert, a merge).</summary>
        public DateTimeOffset? UpdatedSince { get; set; }
        public DateTimeOffset? UpdatedUntil { get; set; }
        public IncidentSortBy SortBy { get; set; } = IncidentSortBy.LastActivity;
        public bool Ascending { get; set; }
        public long? First { get; set; }
        public long Skip { get; set; }
    }

    /// <summary>SQL LIKE patterns from PowerShell wildcards; %, _ and \ in the value stay literal.</summary>
    public static class Wildcard
    {
        public static bool Has(string value) => value.IndexOf('*') >= 0 || value.IndexOf('?') >= 0;

        public static string ToLike(string value)
        {
            var sb = new System.Text.StringBuilder();
            foreach (char c in value)
            {
                switch (c)
                {
                    case '\\': case '%': case '_': sb.Append('\\').Append(c); break;
                    case '*': sb.Append('%'); break;
                    case '?': sb.Append('_'); break;
                    default: sb.Append(c); break;
                }
            }
            return sb.ToString();
        }
    }
}
