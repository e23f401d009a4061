using System;
using System.Collections.Generic;
using System.Management.Automation;
using IncidentTools.Store;

namespace IncidentTools.Commands
{
    /// <summary>Adds a comment to incidents, with its author and time.</summary>
    [Cmdlet(VerbsCommon.Add, "IncidentComment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType("IncidentTools.Comment")]
    public sealed class AddIncidentCommentCommand : StoreObjectCommand
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        public long[] IncidentId { get; set; } = Array.Empty<long>();

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Comment { get; set; } = "";

        /// <summary>The author shown; default the current user (set it for automation accounts).</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string Author { get; set; } = Environment.UserName;

        protected override void ProcessRecord()
        {
            var editor = new IncidentEditor(OpenStore());
            foreach (var id in NotYetHandled(IncidentId))
            {
                if (!ShouldProcess($"incident {id}", "Add comment")) continue;
                try { WriteComment(editor.AddComment(id, Comment, Author)); }
                catch (KeyNotFoundException) { WriteNotFound(id); }
                catch (ArgumentException ex) { WriteError(new ErrorRecord(ex, "InvalidComment", ErrorCategory.InvalidArgument, id)); }
            }
        }
    }

    /// <summary>Comments of incidents, oldest first.</summary>
    [Cmdlet(VerbsCommon.Get, "IncidentComment")]
    [OutputType("IncidentTools.Comment")]
    public sealed class GetIncidentCommentCommand : StoreObjectCommand
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        public long[] IncidentId { get; set; } = Array.Empty<long>();

        protected override void ProcessRecord()
        {
            foreach (var id in NotYetHandled(IncidentId))
            {
                if (Reader.Incident(id) == null) { WriteNotFound(id); continue; }
                foreach (var c in Reader.Comments(id)) WriteComment(c);
            }
        }
    }

    /// <summary>
    /// The activity log of incidents: every change by people and by the system, oldest first. A removed
    /// incident's log is kept and ends with who removed it and why.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "IncidentHistory")]
    [OutputType(typeof(HistoryEntry))]
    public sealed class GetIncidentHistoryCommand : StoreObjectCommand
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        public long[] IncidentId { get; set; } = Array.Empty<long>();

        protected override void ProcessRecord()
        {
            foreach (var id in NotYetHandled(IncidentId))
            {
                bool any = false;
                foreach (var h in Reader.History(id)) { any = true; WriteStoreObject(h); }
                if (!any) WriteNotFound(id);
            }
        }
    }
}
