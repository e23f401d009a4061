using System;

namespace IncidentTools
{
    /// <summary>
    /// One reason an incident holds together, or one merge that was refused: what Get-IncidentCorrelation lists.
    /// Kind is FirstAlert (the alert that started the incident), SharedEntity (an alert joined through an entity
    /// it shares with an alert already there), Merge or Move (a person's decision, kept for replays) or Refused.
    /// </summary>
    public sealed class CorrelationLink
    {
        public long IncidentId { get; set; }
        public string Kind { get; set; } = "";
        public string? AlertId { get; set; }
        /// <summary>The alert already in the incident that AlertId was linked to.</summary>
        public string? LinkedAlertId { get; set; }
        public EntityType? EntityType { get; set; }
        /// <summary>The shared entity as a source wrote it.</summary>
        public string? Entity { get; set; }
        /// <summary>The shared entity's normalised key: what actually matched.</summary>
        public string? EntityKey { get; set; }
        public string Rule { get; set; } = "";
        /// <summary>Time between the two alerts' activity (zero when they overlap).</summary>
        public TimeSpan? Gap { get; set; }
        /// <summary>For a refusal: the other incident that was not merged.</summary>
        public long? OtherIncidentId { get; set; }
        public string? Reason { get; set; }
        public DateTimeOffset? Time { get; set; }
        public string? Actor { get; set; }

        public override string ToString() => Kind + ": " + (Reason ?? $"{AlertId} ~ {LinkedAlertId} via {EntityType} {Entity}");
    }
}
