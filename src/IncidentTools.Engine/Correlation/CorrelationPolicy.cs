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
        public Dictionary<EntityType, double> LinkingTypes { get; set; } = new Dictionary<EntityType, double>
        {
            [EntityType.User] = 1, [EntityType.Device] = 1, [EntityType.Mailbox] = 1, [EntityType.Ip] = 1,
            [EntityType.File] = 1, [EntityType.Process] = 1, [EntityType.Url] = 1, [EntityType.Domain] = 1,
            [EntityType.MailMessage] = 1, [EntityType.AccessKey] = 1, [EntityType.CloudResource] = 1,
            [EntityType.OAuthApplication] = 1,
        };

        /// <summary>An entity seen on more than this share of a tenant's alerts is too common to link them.</summary>
        public double PrevalenceThreshold { get; set; } = 0.1;

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

        public double LinkStrength(EntityType type) => LinkingTypes.TryGetValue(type, out var w) ? w : 0;

        /// <summary>Throws ArgumentException naming the setting and its allowed range.</summary>
        public void Validate()
        {
            Check(nameof(WindowHours), WindowHours, 0, 24 * 365);
            Check(nameof(PrevalenceThreshold), PrevalenceThreshold, 0.001, 1);
            Check(nameof(PrevalenceMinimumAlerts), PrevalenceMinimumAlerts, 1, 1_000_000);
            Check(nameof(MaxAlertsPerIncident), MaxAlertsPerIncident, 2, 1_000_000);
            Check(nameof(MaxCandidatesPerEntity), MaxCandidatesPerEntity, 1, 100_000);
            foreach (var kv in LinkingTypes) Check($"{nameof(LinkingTypes)}[{kv.Key}]", kv.Value, 0, 1);
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
