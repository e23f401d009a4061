using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace IncidentTools.Import
{
    /// <summary>
    /// Caps on what one alert may hold, so that hostile or broken input (a 10 MB title, a million evidence items) cannot
    /// bloat the store or the console. Whatever is cut is recorded on the alert (Alert.Truncated), never silently.
    /// Ids (alert, provider, tenant, provider context entries named *Id), comments and the kept original record are
    /// never cut; an entity key longer than MaxFieldLength is replaced by its SHA-256, which keeps its identity.
    /// </summary>
    public sealed class ImportLimits
    {
        public const int DefaultMaxTitleLength = 1024;
        public const int DefaultMaxFieldLength = 32768;
        public const int DefaultMaxEvidencePerAlert = 1000;

        /// <summary>Characters kept of an alert's title.</summary>
        public int MaxTitleLength { get; set; } = DefaultMaxTitleLength;
        /// <summary>Characters kept of every other text: description, category, sources, detector, provider context values, entity names and properties.</summary>
        public int MaxFieldLength { get; set; } = DefaultMaxFieldLength;
        /// <summary>Evidence items (entities) kept per alert; the first ones read are kept.</summary>
        public int MaxEvidencePerAlert { get; set; } = DefaultMaxEvidencePerAlert;

        /// <summary>Cuts the alert's fields and evidence to the caps and records each cut in alert.Truncated.</summary>
        public void Apply(Alert alert)
        {
            var cuts = new List<Truncation>();
            alert.Title = Cut(alert.Title, MaxTitleLength, "Title", cuts)!;
            alert.Description = Cut(alert.Description, MaxFieldLength, "Description", cuts);
            alert.Category = Cut(alert.Category, MaxFieldLength, "Category", cuts);
            alert.ServiceSource = Cut(alert.ServiceSource, MaxFieldLength, "ServiceSource", cuts);
            alert.DetectionSource = Cut(alert.DetectionSource, MaxFieldLength, "DetectionSource", cuts);
            alert.DetectorId = Cut(alert.DetectorId, MaxFieldLength, "DetectorId", cuts);
            alert.MitreTechniques = alert.MitreTechniques.Select((t, i) => Cut(t, MaxFieldLength, $"MitreTechniques[{i}]", cuts)!).ToArray();
            foreach (var key in alert.ProviderContext.Keys.ToList())
                if (!NeverCut(key))
                    alert.ProviderContext[key] = Cut(alert.ProviderContext[key], MaxFieldLength, $"ProviderContext[{key}]", cuts)!;
            foreach (var ev in alert.Evidence)
            {
                string where = $"Evidence[{ev.Type}:{ShortKey(ev.Key)}]";
                ev.Key = BoundedKey(ev.Key);
                ev.Aliases = ev.Aliases.Select(BoundedKey).ToArray();
                ev.Name = Cut(ev.Name, MaxFieldLength, where + ".Name", cuts)!;
                ev.Verdict = Cut(ev.Verdict, MaxFieldLength, where + ".Verdict", cuts);
                ev.Roles = ev.Roles.Select(r => Cut(r, MaxFieldLength, where + ".Roles", cuts)!).ToArray();
                foreach (var p in ev.Properties.Keys.ToList())
                    ev.Properties[p] = Cut(ev.Properties[p], MaxFieldLength, $"{where}.Properties[{p}]", cuts)!;
            }
            alert.Truncated = Merge(alert.Truncated, cuts);
            CapEvidence(alert);
        }

        /// <summary>
        /// Keeps the first MaxEvidencePerAlert evidence items and records how many there were. Applied again by the
        /// store after it merges evidence from several records of one alert (GUIDE rows, AlertEvidence rows).
        /// </summary>
        public void CapEvidence(Alert alert)
        {
            if (alert.Evidence.Count <= MaxEvidencePerAlert) return;
            // Evidence dropped before is not stored, so the count seen is the largest one ever met for this alert.
            long before = alert.Truncated.Where(t => t.Field == "Evidence").Select(t => t.OriginalLength).DefaultIfEmpty(0).Max();
            var cut = new Truncation { Field = "Evidence", OriginalLength = Math.Max(before, alert.Evidence.Count), KeptLength = MaxEvidencePerAlert };
            alert.Evidence = alert.Evidence.Take(MaxEvidencePerAlert).ToList();
            alert.Truncated = Merge(alert.Truncated, new[] { cut });
        }

        /// <summary>Validates the caps (a cmdlet validates its parameters the same way).</summary>
        public void Validate()
        {
            if (MaxTitleLength < 16) throw new ArgumentOutOfRangeException(nameof(MaxTitleLength), MaxTitleLength, "MaxTitleLength must be at least 16 characters.");
            if (MaxFieldLength < 64) throw new ArgumentOutOfRangeException(nameof(MaxFieldLength), MaxFieldLength, "MaxFieldLength must be at least 64 characters.");
            if (MaxEvidencePerAlert < 1) throw new ArgumentOutOfRangeException(nameof(MaxEvidencePerAlert), MaxEvidencePerAlert, "MaxEvidencePerAlert must be at least 1.");
        }

        /// <summary>Truncations of the same field: the later one replaces the earlier; the list stays ordered by field.</summary>
        public static Truncation[] Merge(IEnumerable<Truncation> earlier, IEnumerable<Truncation> later)
        {
            var byField = new Dictionary<string, Truncation>(StringComparer.Ordinal);
            foreach (var t in earlier.Concat(later)) byField[t.Field] = t;
            return byField.Values.OrderBy(t => t.Field, StringComparer.Ordinal).ToArray();
        }

        /// <summary>Provider context that is an id (ProviderIncidentId, FlowId, RecordID...) or a comment is never cut.</summary>
        static bool NeverCut(string key)
            => key.EndsWith("Id", StringComparison.OrdinalIgnoreCase) || key.EndsWith("Ids", StringComparison.OrdinalIgnoreCase)
               || key.IndexOf("Comment", StringComparison.OrdinalIgnoreCase) >= 0;

        static string? Cut(string? value, int max, string field, List<Truncation> cuts)
        {
            if (value == null || value.Length <= max) return value;
            // Never split a surrogate pair: the kept text stays valid UTF-16.
            int keep = char.IsHighSurrogate(value[max - 1]) ? max - 1 : max;
            cuts.Add(new Truncation { Field = field, OriginalLength = value.Length, KeptLength = keep });
            return value.Substring(0, keep);
        }

        /// <summary>An entity key over the field cap becomes "sha256:&lt;hex&gt;" of the whole key: same value, same key, bounded size.</summary>
        string BoundedKey(string key)
        {
            if (key.Length <= MaxFieldLength) return key;
            using var sha = SHA256.Create();
            return "sha256:" + Convert.ToHexString(sha.ComputeHash(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();
        }

        static string ShortKey(string key) => key.Length <= 40 ? key : key.Substring(0, 40) + "…";
    }
}
