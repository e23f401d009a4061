using System;
using System.Collections.Generic;

namespace IncidentTools
{
    /// <summary>An incident: the story of one attack, made of correlated alerts.</summary>
    public sealed class Incident
    {
        public long Id { get; set; }
        public string DisplayName { get; set; } = "";
        public string? Description { get; set; }
        public Severity Severity { get; set; }
        public IncidentStatus Status { get; set; }
        public string? AssignedTo { get; set; }
        public Classification Classification { get; set; }
        public Determination Determination { get; set; }
        public TextList Tags { get; set; } = TextList.Empty;
        public TextList SystemTags { get; set; } = TextList.Empty;
        public DateTimeOffset CreatedDateTime { get; set; }
        public DateTimeOffset LastUpdateDateTime { get; set; }
        public DateTimeOffset FirstActivityDateTime { get; set; }
        public DateTimeOffset LastActivityDateTime { get; set; }
        public int AlertCount { get; set; }
        public int DeviceCount { get; set; }
        public int UserCount { get; set; }
        public int MailboxCount { get; set; }
        /// <summary>MITRE ATT&amp;CK tactics and other alert categories, in kill-chain order.</summary>
        public TextList Categories { get; set; } = TextList.Empty;
        public TextList ServiceSources { get; set; } = TextList.Empty;
        public TextList DetectionSources { get; set; } = TextList.Empty;
        public long? RedirectIncidentId { get; set; }
        public string? ResolvingComment { get; set; }
        public int Priority { get; set; }
        /// <summary>The points each documented factor gave to Priority (see PriorityCalculator).</summary>
        public FactorMap PriorityFactors { get; set; } = new FactorMap();
        public string TenantId { get; set; } = "";
        /// <summary>Changes on every write; a pipeline write carrying an older Version is checked for conflicts.</summary>
        public long Version { get; set; }
        /// <summary>True once a person renamed the incident: generated names no longer replace it.</summary>
        public bool DisplayNameSetByUser { get; set; }
        /// <summary>Set when a person chose the severity; it sticks until cleared.</summary>
        public Severity? SeverityOverride { get; set; }

        public override string ToString() => "#" + Id + " " + DisplayName;
    }

    /// <summary>An entity across the alerts of one incident (or of the store).</summary>
    public sealed class Entity
    {
        public EntityType Type { get; set; }
        public string Name { get; set; } = "";
        public string Key { get; set; } = "";
        /// <summary>Every normalised identifier the data tied to this entity (its Key among them).</summary>
        public TextList Aliases { get; set; } = TextList.Empty;
        public long? IncidentId { get; set; }
        public string TenantId { get; set; } = "";
        public int AlertCount { get; set; }
        public DateTimeOffset FirstSeen { get; set; }
        public DateTimeOffset LastSeen { get; set; }
        public string? Verdict { get; set; }
        public TextList Roles { get; set; } = TextList.Empty;
        public Dictionary<string, string> Properties { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public override string ToString() => Type + ": " + Name;
    }

    /// <summary>A comment on an incident (shown to PowerShell as IncidentTools.Comment).</summary>
    public sealed class IncidentComment
    {
        public long IncidentId { get; set; }
        public string Comment { get; set; } = "";
        public string CreatedByDisplayName { get; set; } = "";
        public DateTimeOffset CreatedDateTime { get; set; }
        public override string ToString() => Comment;
    }

    /// <summary>One entry of an incident's append-only activity log.</summary>
    public sealed class HistoryEntry
    {
        public long IncidentId { get; set; }
        public DateTimeOffset Time { get; set; }
        /// <summary>The user who made the change, or "system".</summary>
        public string Actor { get; set; } = "";
        public string Action { get; set; } = "";
        public string? Field { get; set; }
        public string? OldValue { get; set; }
        public string? NewValue { get; set; }
        /// <summary>The incident's Version after this change.</summary>
        public long Version { get; set; }
    }
}
