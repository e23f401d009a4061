using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace IncidentTools.Correlation
{
    /// <summary>Names incidents the way Defender's queue does, from what they contain.</summary>
    public static class IncidentNamer
    {
        /// <summary>MITRE ATT&amp;CK tactics in kill-chain order; other categories follow, alphabetically.</summary>
        public static readonly string[] KillChain =
        {
            "Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence", "PrivilegeEscalation",
            "DefenseEvasion", "CredentialAccess", "Discovery", "LateralMovement", "Collection", "CommandAndControl",
            "Exfiltration", "Impact",
        };

        public static bool IsTactic(string category) => Array.IndexOf(KillChain, category) >= 0;

        public static string[] Order(IEnumerable<string> categories)
            => categories.Where(c => !string.IsNullOrWhiteSpace(c)).Distinct(StringComparer.OrdinalIgnoreCase)
                .OrderBy(c => IsTactic(c) ? Array.IndexOf(KillChain, c) : KillChain.Length)
                .ThenBy(c => c, StringComparer.OrdinalIgnoreCase).ToArray();

        /// <summary>"CommandAndControl" → "Command and control".</summary>
        public static string Words(string category)
        {
            var spaced = Regex.Replace(category, "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant();
            spaced = spaced.Replace(" and ", " and ");
            return spaced.Length == 0 ? spaced : char.ToUpperInvariant(spaced[0]) + spaced.Substring(1);
        }

        public static string Name(int alertCount, string? singleAlertTitle, IReadOnlyList<string> categories,
                                  int devices, int users, int mailboxes, int sources)
        {
            var tactics = categories.Where(IsTactic).ToList();
            string what;
            if (alertCount == 1 && singleAlertTitle != null) what = singleAlertTitle.Trim();
            else if (tactics.Count >= 2) what = $"Multi-stage incident involving {Words(tactics[0])} & {Words(tactics[tactics.Count - 1])}";
            else if (tactics.Count == 1) what = $"{Words(tactics[0])} incident";
            else if (categories.Count == 1) what = $"{Words(categories[0])} incident";
            else what = "Incident";

            string scope = devices > 0 ? (devices == 1 ? " on one endpoint" : " on multiple endpoints")
                : users > 0 ? (users == 1 ? " involving one user" : " involving multiple users")
                : mailboxes > 0 ? (mailboxes == 1 ? " involving one mailbox" : " involving multiple mailboxes")
                : "";
            string reported = sources > 1 ? " reported by multiple sources" : "";
            return what + scope + reported;
        }
    }
}
