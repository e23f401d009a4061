using System;
using System.Collections.Generic;

namespace IncidentTools
{
    /// <summary>
    /// One alert in the engine's single model. Every reader maps its format onto this; nothing downstream
    /// knows which format an alert came from.
    /// </summary>
    public sealed class Alert
    {
        /// <summary>Stable, never truncated: source family, tenant and the provider's own alert id.</summary>
        public string Id { get; set; } = "";
        public string ProviderAlertId { get; set; } = "";
        /// <summary>The input format or product the alert came from (for example GraphAlertV2).</summary>
        public string Source { get; set; } = "";
        public string TenantId { get; set; } = "";
        public long? IncidentId { get; set; }
        public string Title { get; set; } = "";
        public string? Description { get; set; }
        public Severity Severity { get; set; }
        public AlertStatus Status { get; set; }
        public string? Category { get; set; }
        public TextList MitreTechniques { get; set; } = TextList.Empty;
        public string? ServiceSource { get; set; }
        public string? DetectionSource { get; set; }
        public string? DetectorId { get; set; }
        public DateTimeOffset CreatedDateTime { get; set; }
        public DateTimeOffset FirstActivityDateTime { get; set; }
        public DateTimeOffset LastActivityDateTime { get; set; }
        public List<Evidence> Evidence { get; set; } = new List<Evidence>();
        /// <summary>What the provider already decided (its incident id, assignee, classification, tags...).</summary>
        public Dictionary<string, string> ProviderContext { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        public string? ImportId { get; set; }
        /// <summary>What the import limits cut from this alert (field, original and kept length); empty when nothing was cut.</summary>
        public Truncation[] Truncated { get; set; } = Array.Empty<Truncation>();
        /// <summary>The original record as JSON; filled only when asked for (Get-IncidentAlert -IncludeOriginal).</summary>
        public string? OriginalRecord { get; set; }

        public override string ToString() => Title;
    }

    /// <summary>One cut made by the import limits: which field, and how long it was before and after (characters, or evidence items).</summary>
    public sealed class Truncation
    {
        /// <summary>"Title", "Description", "ProviderContext[Tags]", "Evidence[Process:…].Name", "Evidence".</summary>
        public string Field { get; set; } = "";
        public long OriginalLength { get; set; }
        public long KeptLength { get; set; }

        public override string ToString() => $"{Field} ({KeptLength} of {OriginalLength})";
    }

    /// <summary>One entity as one alert saw it.</summary>
    public sealed class Evidence
    {
        public EntityType Type { get; set; }
        /// <summary>As the source wrote it.</summary>
        public string Name { get; set; } = "";
        /// <summary>Normalised value used for correlation (see EntityNormaliser).</summary>
        public string Key { get; set; } = "";
        /// <summary>
        /// Other normalised identifiers this record gives for the same entity (a user's UPN, SID and DOMAIN\name;
        /// a device's ids, FQDN and host name). The store ties every entity that shares one of them into one.
        /// </summary>
        public string[] Aliases { get; set; } = Array.Empty<string>();
        public string[] Roles { get; set; } = Array.Empty<string>();
        public string? Verdict { get; set; }
        public Dictionary<string, string> Properties { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public override string ToString() => Type + ": " + Name;
    }
}
