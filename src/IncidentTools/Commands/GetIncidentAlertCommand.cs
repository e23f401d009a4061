using System;
using System.Management.Automation;

namespace IncidentTools.Commands
{
    /// <summary>The Alerts tab: alerts of incidents, or alerts by id.</summary>
    [Cmdlet(VerbsCommon.Get, "IncidentAlert", DefaultParameterSetName = IncidentSet)]
    [OutputType(typeof(Alert))]
    public sealed class GetIncidentAlertCommand : StoreCmdlet
    {
        const string IncidentSet = "Incident", AlertSet = "Alert";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = IncidentSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        public long[] IncidentId { get; set; } = Array.Empty<long>();

        /// <summary>Alert ids (the full id or the provider's id); wildcards allowed.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AlertSet, ValueFromPipelineByPropertyName = true)]
        public string[] AlertId { get; set; } = Array.Empty<string>();

        /// <summary>Also return each alert's original record (OriginalRecord).</summary>
        [Parameter] public SwitchParameter IncludeOriginal { get; set; }

        protected override void ProcessRecord()
        {
            bool any = false;
            foreach (var alert in ParameterSetName == AlertSet ? Reader.Alerts(null, AlertId, IncludeOriginal) : Reader.Alerts(IncidentId, null, IncludeOriginal))
            {
                any = true;
                WriteObject(alert);
            }
            if (!any && ParameterSetName == AlertSet)
                WriteError(new ErrorRecord(new ItemNotFoundException($"No alert matches '{string.Join("', '", AlertId)}'."), "AlertNotFound", ErrorCategory.ObjectNotFound, AlertId));
            if (ParameterSetName == IncidentSet)
                foreach (var id in IncidentId)
                    if (Reader.Incident(id) == null) WriteNotFound(id);
        }
    }
}
