using System;
using System.Security.Cryptography;
using System.Text;

namespace IncidentTools.Readers
{
    /// <summary>Maps the words and numbers sources use onto the engine's enums; shared by every reader.</summary>
    public static class ValueMaps
    {
        public static Severity Severity(string? value)
        {
            switch ((value ?? "").Trim().ToLowerInvariant())
            {
                case "informational": case "info": case "information": case "informative": case "low-informational": return IncidentTools.Severity.Informational;
                case "low": return IncidentTools.Severity.Low;
                case "medium": case "moderate": case "med": return IncidentTools.Severity.Medium;
                case "high": case "critical": case "crit": case "severe": case "fatal": return IncidentTools.Severity.High;
                default: return IncidentTools.Severity.Unknown;
            }
        }

        public static AlertStatus AlertStatus(string? value)
        {
            switch ((value ?? "").Trim().ToLowerInvariant().Replace("_", "").Replace(" ", ""))
            {
                case "new": case "open": case "active": case "unresolved": return IncidentTools.AlertStatus.New;
                case "inprogress": case "acknowledged": case "investigating": return IncidentTools.AlertStatus.InProgress;
                case "resolved": case "closed": case "dismissed": case "suppressed": return IncidentTools.AlertStatus.Resolved;
                default: return IncidentTools.AlertStatus.Unknown;
            }
        }

        /// <summary>A stable id for records that carry none: the SHA-256 of their defining fields.</summary>
        /// <summary>
        /// A moment as text for a derived id: UTC, round-trip format. The same instant written "+0100" in a file and
        /// turned into a local DateTime by ConvertFrom-Json must give the same id.
        /// </summary>
        public static string? Instant(DateTimeOffset? time) => time?.UtcDateTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture);

        public static string DerivedId(params string?[] fields)
        {
            var sb = new StringBuilder();
            foreach (var f in fields) sb.Append(f ?? "").Append('\u001f');
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(sb.ToString()));
            return "sha256-" + BitConverter.ToString(hash).Replace("-", "").ToLowerInvariant();
        }

        /// <summary>PascalCase for an enum-like word from a source ("defenseEvasion" → "DefenseEvasion").</summary>
        public static string? Pascal(string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            var v = value!.Trim();
            return char.ToUpperInvariant(v[0]) + v.Substring(1);
        }
    }
}
