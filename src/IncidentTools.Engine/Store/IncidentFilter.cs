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

    /// <summary>
    /// PowerShell wildcards (* ? [abc] [a-z], a backtick escapes the next character) as SQL conditions. A value
    /// without wildcard characters is compared whole; with them it becomes a GLOB pattern with every character
    /// outside * ? [ ] literal, so SQL's own % and _ never act as wildcards. Both compare case-insensitively
    /// (ASCII letters, as SQLite's NOCASE does). The value is always a parameter, never part of the SQL text.
    /// </summary>
    public static class Wildcard
    {
        /// <summary>True when the value has an unescaped *, ? or [ (as WildcardPattern.ContainsWildcardCharacters).</summary>
        public static bool Has(string value)
        {
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c == '`') { i++; continue; }
                if (c == '*' || c == '?' || c == '[') return true;
            }
            return false;
        }

        /// <summary>"column matches value": column = $p COLLATE NOCASE, or lower(column) GLOB $p for a pattern.</summary>
        public static string Condition(string column, string value, Func<object, string> parameter)
            => Has(value) ? $"lower({column}) GLOB {parameter(ToGlob(value))}" : $"{column} = {parameter(Unescape(value))} COLLATE NOCASE";

        /// <summary>The value with backtick escapes removed: what a pattern without wildcards matches.</summary>
        public static string Unescape(string value)
        {
            if (value.IndexOf('`') < 0) return value;
            var sb = new System.Text.StringBuilder(value.Length);
            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] == '`' && i + 1 < value.Length) i++;
                sb.Append(value[i]);
            }
            return sb.ToString();
        }

        /// <summary>The GLOB pattern, lower-cased (ASCII) to compare with lower(column). Throws ArgumentException on an unclosed '['.</summary>
        public static string ToGlob(string value)
        {
            var sb = new System.Text.StringBuilder(value.Length + 8);
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c == '`' && i + 1 < value.Length) { Literal(sb, value[++i]); continue; }
                switch (c)
                {
                    case '*': case '?': sb.Append(c); break;
                    case '[':
                    {
                        int close = value.IndexOf(']', i + 1);
                        if (close < 0)
                            throw new ArgumentException($"The wildcard pattern '{value}' is not valid: '[' at position {i + 1} has no closing ']'. Write `[ to match '[' itself.");
                        string set = value.Substring(i + 1, close - i - 1).Replace("`", "");
                        if (set.Length == 0) throw new ArgumentException($"The wildcard pattern '{value}' is not valid: '[]' at position {i + 1} is an empty set. Write `[`] to match '[]' itself.");
                        // PowerShell sets are never negated but GLOB's are by a leading ^: move it to the end.
                        if (set[0] == '^') set = set.Substring(1) + "^";
                        sb.Append('[');
                        foreach (char s in set) sb.Append(LowerAscii(s));
                        sb.Append(']');
                        i = close;
                        break;
                    }
                    default: Literal(sb, c); break;
                }
            }
            return sb.ToString();
        }

        static void Literal(System.Text.StringBuilder sb, char c)
        {
            if (c == '*' || c == '?' || c == '[') sb.Append('[').Append(c).Append(']');
            else sb.Append(LowerAscii(c));
        }

        static char LowerAscii(char c) => c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
}
