using System;
using System.Collections.Generic;
using System.Linq;

namespace IncidentTools.Correlation
{
    /// <summary>
    /// Priority 0–100 from documented factors; each factor's points are kept on the incident so the score can
    /// be explained. Severity: High 40, Medium 25, Low 10, Informational 0. Tactics reached: 4 each, up to 20.
    /// Multi-stage (two or more tactics): 10. Assets (devices + users + mailboxes): 3 each, up to 15. Distinct
    /// alert types: 2 each, up to 10. Age: 5 when the last activity is within a day of now, else 0.
    /// Status: a Resolved or Redirected incident needs no more attention, so a Closed factor cancels the others
    /// and its priority is 0 — a closed incident never outranks an open one; reopening it restores the score.
    /// </summary>
    public static class PriorityCalculator
    {
        public const string ClosedFactor = "Closed";

        public static (int Priority, SortedDictionary<string, int> Factors) Compute(
            Severity severity, int tactics, int assets, int alertTypes, DateTimeOffset lastActivity, DateTimeOffset now, IncidentStatus status)
        {
            var f = new SortedDictionary<string, int>(StringComparer.Ordinal)
            {
                ["Severity"] = severity switch { Severity.High => 40, Severity.Medium => 25, Severity.Low => 10, _ => 0 },
                ["Tactics"] = Math.Min(20, 4 * tactics),
                ["MultiStage"] = tactics >= 2 ? 10 : 0,
                ["Assets"] = Math.Min(15, 3 * assets),
                ["AlertTypes"] = Math.Min(10, 2 * alertTypes),
                ["Recency"] = (now - lastActivity) <= TimeSpan.FromDays(1) ? 5 : 0,
            };
            return ForStatus(f, status);
        }

        /// <summary>The priority of an incident with these factors in this status: the status factor is replaced, the rest kept.</summary>
        public static (int Priority, SortedDictionary<string, int> Factors) ForStatus(IReadOnlyDictionary<string, int> factors, IncidentStatus status)
        {
            var f = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var pair in factors.Where(p => p.Key != ClosedFactor)) f[pair.Key] = pair.Value;
            int open = Math.Min(100, Math.Max(0, f.Values.Sum()));
            if (!IsClosed(status)) return (open, f);
            f[ClosedFactor] = -open;
            return (0, f);
        }

        public static bool IsClosed(IncidentStatus status) => status == IncidentStatus.Resolved || status == IncidentStatus.Redirected;
    }
}
