using System;
using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json;

namespace IncidentTools.Correlation
{
    /// <summary>
    /// How alerts are grouped. Kept in the store (Get-/Set-IncidentCorrelationPolicy); every value is checked
    /// against its allowed range so a bad policy is refused, never half-applied.
    /// </summary>
    public sealed class CorrelationPolicy
    {
        /// <summary>Two alerts sharing an entity correlate when their activity periods are at most this far apart.</summary>
        public double WindowHours { get; set; } = 24;

        /// <summary>
        /// Entity types that link alerts, with their strength (0 = never links, 1 = links on its own). Types left
        /// out never link. Registry keys, cloud apps and malware names recur across unrelated attacks, so they
        /// are shown on incidents but do not link by default.
        /// </summary>
        public Dictionary<string, double> LinkingTypes { get; set; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase)
        {
            // Keyed by the type's name, so the policy converts to JSON (ConvertTo-Json) and back as it is shown.
            ["User"] = 1, ["Device"] = 1, ["Mailbox"] = 1, ["Ip"] = 1, ["File"] = 1, ["Process"] = 1, ["Url"] = 1, ["Domain"] = 1,
            ["MailMessage"] = 1, ["AccessKey"] = 1, ["CloudResource"] = 1, ["OAuthApplication"] = 1,
        };

        /// <summary>An entity seen on more than this share of a tenant's alerts is too common to link them.</summary>
        public double PrevalenceThreshold { get; set; } = 0.05;

        /// <summary>
        /// The strength a too-common entity keeps. Below 1 it never links alerts on its own, but two shared entities
        /// that are both common (an attacked host and its account, each on most alerts of a burst) still link.
        /// 0 ignores common entities altogether.
        /// </summary>
        public double PrevalentLinkStrength { get; set; } = 0.5;

        /// <summary>The prevalence rule applies once a tenant has at least this many alerts (below, shares mean little).</summary>
        public int PrevalenceMinimumAlerts { get; set; } = 50;

        /// <summary>An incident holds at most this many alerts; further alerts start a linked continuation incident.</summary>
        public int MaxAlertsPerIncident { get; set; } = 1000;

        /// <summary>When true, a new alert for an entity of a Resolved incident reopens it instead of starting a new one.</summary>
        public bool ReopenResolved { get; set; }

        /// <summary>Bound on the alerts examined per shared entity, so one busy entity cannot slow every import.</summary>
        public int MaxCandidatesPerEntity { get; set; } = 500;

        [JsonIgnore]
        public TimeSpan Window => TimeSpan.FromHours(WindowHours);

        public double LinkStrength(EntityType type) => LinkingTypes.TryGetValue(type.ToString(), out var w) ? w : 0;

        /// <summary>
        /// Throws ArgumentException naming the setting and its allowed range (or, for LinkingTypes, the entity types);
        /// entity type names are put in their canonical spelling.
        /// </summary>
        public void Validate()
        {
            Check(nameof(WindowHours), WindowHours, 0, 24 * 365);
            Check(nameof(PrevalenceThreshold), PrevalenceThreshold, 0.001, 1);
            Check(nameof(PrevalenceMinimumAlerts), PrevalenceMinimumAlerts, 1, 1_000_000);
            Check(nameof(PrevalentLinkStrength), PrevalentLinkStrength, 0, 0.99);
            Check(nameof(MaxAlertsPerIncident), MaxAlertsPerIncident, 2, 1_000_000);
            Check(nameof(MaxCandidatesPerEntity), MaxCandidatesPerEntity, 1, 100_000);
            var canonical = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
            foreach (var kv in LinkingTypes)
            {
                if (!Enum.TryParse<EntityType>(kv.Key, true, out var type) || !Enum.IsDefined(typeof(EntityType), type) || int.TryParse(kv.Key, out _))
                    throw new ArgumentException($"'{kv.Key}' in {nameof(LinkingTypes)} is not an entity type. Use one of: {string.Join(", ", Enum.GetNames(typeof(EntityType)))}.", nameof(LinkingTypes));
                Check($"{nameof(LinkingTypes)}[{type}]", kv.Value, 0, 1);
                canonical[type.ToString()] = kv.Value;
            }
            LinkingTypes = canonical;
        }

        static void Check(string name, double value, double min, double max)
        {
            if (double.IsNaN(value) || value < min || value > max)
                throw new ArgumentException($"The correlation policy value {name} = {value} is out of range: it must be between {min} and {max}.", name);
        }

        public string ToJson() => JsonConvert.SerializeObject(this, Formatting.Indented, new Newtonsoft.Json.Converters.StringEnumConverter());

        public static CorrelationPolicy FromJson(string json)
        {
            var policy = JsonConvert.DeserializeObject<CorrelationPolicy>(json, new JsonSerializerSettings
            {
                ObjectCreationHandling = ObjectCreationHandling.Replace,
                Converters = { new Newtonsoft.Json.Converters.StringEnumConverter() },
            }) ?? new CorrelationPolicy();
            policy.Validate();
            return policy;
        }

        public CorrelationPolicy Clone() => FromJson(ToJson());
    }
}
