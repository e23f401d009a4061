using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using IncidentTools.Store;

namespace IncidentTools.Commands
{
    /// <summary>Changes only the given fields of incidents (PATCH, never PUT).</summary>
    [Cmdlet(VerbsCommon.Set, "Incident", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Incident))]
    public sealed class SetIncidentCommand : StoreObjectCommand
    {
        /// <summary>Named IncidentId (alias Id) so piped alerts bind their incident's id, not their own (see Get-Incident).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        public long[] IncidentId { get; set; } = Array.Empty<long>();

        /// <summary>The Version the caller read (bound from a piped incident): a field someone else changed since is a conflict.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Version")]
        public long? ExpectedVersion { get; set; }

        [Parameter] [ValidateNotNullOrEmpty] public string? DisplayName { get; set; }

        /// <summary>The assignee; '' unassigns.</summary>
        [Parameter] [AllowEmptyString] [ArgumentCompleter(typeof(AssigneeCompleter))] public string? AssignedTo { get; set; }

        [Parameter] public IncidentStatus? Status { get; set; }
        [Parameter] public Severity? Severity { get; set; }

        /// <summary>Forget a severity set by a person: the incident follows its alerts again.</summary>
        [Parameter] public SwitchParameter ClearSeverity { get; set; }

        [Parameter] public Classification? Classification { get; set; }
        [Parameter] public Determination? Determination { get; set; }

        /// <summary>Replaces all tags.</summary>
        [Parameter] [AllowEmptyCollection] [ArgumentCompleter(typeof(TagCompleter))] public string[]? Tag { get; set; }

        [Parameter] [ArgumentCompleter(typeof(TagCompleter))] public string[]? AddTag { get; set; }
        [Parameter] [ArgumentCompleter(typeof(TagCompleter))] public string[]? RemoveTag { get; set; }
        [Parameter] public string? ResolvingComment { get; set; }

        /// <summary>A comment added with the change.</summary>
        [Parameter] public string? Comment { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        IncidentChange Change(long? expectedVersion) => new IncidentChange
        {
            DisplayName = DisplayName, AssignedTo = AssignedTo, Status = Status, Severity = Severity, ClearSeverity = ClearSeverity,
            Classification = Classification, Determination = Determination, Tags = Tag, AddTags = AddTag, RemoveTags = RemoveTag,
            ResolvingComment = ResolvingComment, Comment = Comment, ExpectedVersion = expectedVersion,
        };

        protected override void BeginProcessing()
        {
            // Nothing to change is a mistake in the command itself, not in one incident: say it once and stop.
            if (Change(null).IsEmpty)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give at least one change (for example -Status, -AssignedTo, -AddTag)."),
                    "NoChangeGiven", ErrorCategory.InvalidArgument, null));
        }

        protected override void ProcessRecord()
        {
            var editor = new IncidentEditor(OpenStore());
            // A Version counts only when it came with the incident: from the pipeline, or given explicitly.
            long? expected = MyInvocation.ExpectingInput || MyInvocation.BoundParameters.ContainsKey(nameof(ExpectedVersion)) ? ExpectedVersion : null;
            foreach (var id in NotYetHandled(IncidentId))
            {
                var change = Change(expected);
                var current = Reader.Incident(id);
                if (current == null) { WriteNotFound(id); continue; }
                try { IncidentEditor.Validate(current, change); }
                catch (ArgumentException ex)
                {
                    WriteError(new ErrorRecord(ex, "InvalidIncidentChange", ErrorCategory.InvalidArgument, current));
                    continue;
                }
                if (!ShouldProcess($"incident {id} '{current.DisplayName}'", "Set " + Describe(change))) continue;
                try
                {
                    var updated = editor.Apply(id, change);
                    if (PassThru) WriteStoreObject(updated);
                }
                catch (IncidentConflictException ex)
                {
                    WriteError(new ErrorRecord(ex, "IncidentVersionConflict", ErrorCategory.WriteError, current));
                }
                catch (ArgumentException ex)
                {
                    WriteError(new ErrorRecord(ex, "InvalidIncidentChange", ErrorCategory.InvalidArgument, current));
                }
            }
        }

        static string Describe(IncidentChange c)
        {
            var parts = new List<string>();
            if (c.DisplayName != null) parts.Add($"DisplayName='{c.DisplayName}'");
            if (c.AssignedTo != null) parts.Add($"AssignedTo='{c.AssignedTo}'");
            if (c.Status != null) parts.Add($"Status={c.Status}");
            if (c.Severity != null) parts.Add($"Severity={c.Severity}");
            if (c.ClearSeverity) parts.Add("Severity=(from alerts)");
            if (c.Classification != null) parts.Add($"Classification={c.Classification}");
            if (c.Determination != null) parts.Add($"Determination={c.Determination}");
            if (c.Tags != null) parts.Add($"Tags={string.Join(",", c.Tags)}");
            if (c.AddTags != null) parts.Add($"+Tags={string.Join(",", c.AddTags)}");
            if (c.RemoveTags != null) parts.Add($"-Tags={string.Join(",", c.RemoveTags)}");
            if (c.ResolvingComment != null) parts.Add("ResolvingComment");
            if (c.Comment != null) parts.Add("Comment");
            return string.Join(" ", parts);
        }
    }
}
