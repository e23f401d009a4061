using System;
using System.Linq;
using System.Management.Automation;
using IncidentTools.Store;

namespace IncidentTools.Commands
{
    /// <summary>The incident queue: every incident, or those matching the filters, newest activity first.</summary>
    [Cmdlet(VerbsCommon.Get, "Incident", SupportsPaging = true)]
    [OutputType(typeof(Incident))]
    public sealed class GetIncidentCommand : StoreObjectCommand
    {
        /// <summary>
        /// Named IncidentId (alias Id) so that piped alerts, entities and comments bind their IncidentId: the binder
        /// tries a parameter's own name before its aliases, and an alert's Id is the alert's, not the incident's.
        /// </summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        [ValidateNotNullOrEmpty] // -Id $null must not mean "every incident" (say, before a Remove-Incident)
        public long[]? IncidentId { get; set; }

        [Parameter] [ValidateWildcardPattern] public string[]? TenantId { get; set; }
        [Parameter] public IncidentStatus[]? Status { get; set; }
        [Parameter] public Severity[]? Severity { get; set; }
        [Parameter] public Severity[]? AlertSeverity { get; set; }

        /// <summary>Assignees; '' means unassigned; wildcards allowed.</summary>
        [Parameter]
        [AllowEmptyString]
        [ValidateWildcardPattern]
        [ArgumentCompleter(typeof(AssigneeCompleter))]
        public string[]? AssignedTo { get; set; }

        [Parameter] public SwitchParameter Unassigned { get; set; }
        [Parameter] public Classification[]? Classification { get; set; }
        [Parameter] public Determination[]? Determination { get; set; }
        [Parameter] [ValidateWildcardPattern] [ArgumentCompleter(typeof(TagCompleter))] public string[]? Tag { get; set; }
        [Parameter] [ValidateWildcardPattern] public string[]? ServiceSource { get; set; }
        [Parameter] [ValidateWildcardPattern] public string[]? DetectionSource { get; set; }

        /// <summary>MITRE tactics or other alert categories.</summary>
        [Parameter] [ValidateWildcardPattern] [ArgumentCompleter(typeof(CategoryCompleter))] public string[]? Category { get; set; }

        /// <summary>Only incidents whose alerts span two or more categories.</summary>
        [Parameter] public SwitchParameter MultipleCategories { get; set; }

        /// <summary>Any entity's name or normalised key (user, device, IP, file hash, ...); wildcards allowed.</summary>
        [Parameter] [ValidateWildcardPattern] [ArgumentCompleter(typeof(EntityNameCompleter))] public string[]? Entity { get; set; }

        /// <summary>Last activity at or after this time.</summary>
        [Parameter] public DateTime? Since { get; set; }

        /// <summary>Last activity at or before this time.</summary>
        [Parameter] public DateTime? Until { get; set; }

        [Parameter] public DateTime? CreatedSince { get; set; }
        [Parameter] public DateTime? CreatedUntil { get; set; }

        /// <summary>Last update (any change: an edit, a new alert, a merge) at or after this time.</summary>
        [Parameter] public DateTime? UpdatedSince { get; set; }

        /// <summary>Last update at or before this time.</summary>
        [Parameter] public DateTime? UpdatedUntil { get; set; }

        [Parameter] public IncidentSortBy SortBy { get; set; } = IncidentSortBy.LastActivity;

        /// <summary>Sort ascending instead of the default descending (newest, highest first).</summary>
        [Parameter] public SwitchParameter Ascending { get; set; }

        protected override void ProcessRecord()
        {
            long[]? ids = IncidentId == null ? null : NotYetHandled(IncidentId);
            if (ids is { Length: 0 }) return;
            var filter = new IncidentFilter
            {
                Ids = ids, TenantIds = TenantId, Statuses = Status, Severities = Severity, AlertSeverities = AlertSeverity,
                AssignedTo = AssignedTo, Unassigned = Unassigned, Classifications = Classification, Determinations = Determination,
                Tags = Tag, ServiceSources = ServiceSource, DetectionSources = DetectionSource, Categories = Category,
                MultipleCategories = MultipleCategories, Entities = Entity,
                Since = Time(Since), Until = Time(Until), CreatedSince = Time(CreatedSince), CreatedUntil = Time(CreatedUntil),
                UpdatedSince = Time(UpdatedSince), UpdatedUntil = Time(UpdatedUntil),
                SortBy = SortBy, Ascending = Ascending,
                First = PagingParameters.First == ulong.MaxValue ? null : (long)Math.Min(PagingParameters.First, long.MaxValue),
                Skip = (long)Math.Min(PagingParameters.Skip, long.MaxValue),
            };
            if (PagingParameters.IncludeTotalCount)
            {
                // The same filter without the page: how many incidents match in all.
                var first = filter.First; var skip = filter.Skip;
                filter.First = null; filter.Skip = 0;
                long total = Reader.Incidents(filter).LongCount();
                filter.First = first; filter.Skip = skip;
                WriteObject(PagingParameters.NewTotalCount((ulong)total, 1.0));
            }
            foreach (var incident in Reader.Incidents(filter)) WriteStoreObject(incident);
            if (ids != null)
                foreach (var missing in ids.Except(Reader.Incidents(new IncidentFilter { Ids = ids }).Select(i => i.Id)))
                    WriteNotFound(missing);
        }

        static DateTimeOffset? Time(DateTime? t)
            => t == null ? null : new DateTimeOffset(t.Value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t.Value, DateTimeKind.Local) : t.Value).ToUniversalTime();
    }
}
