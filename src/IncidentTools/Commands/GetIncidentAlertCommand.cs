using System;
using System.Management.Automation;

namespace IncidentTools.Commands
{
    /// <summary>The Alerts tab: alerts of incidents, or alerts by id.</summary>
    [Cmdlet(VerbsCommon.Get, "IncidentAlert", DefaultParameterSetName = IncidentSet)]
    [OutputType(typeof(Alert))]
    public sealed class GetIncidentAlertCommand : StoreObjectCommand
    {
        const string IncidentSet = "Incident", AlertSet = "Alert";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = IncidentSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        public long[] IncidentId { get; set; } = Array.Empty<long>();

        /// <summary>Alert ids (the full id or the provider's id); wildcards allowed.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AlertSet, ValueFromPipelineByPropertyName = true)]
        [ValidateWildcardPattern]
        public string[] AlertId { get; set; } = Array.Empty<string>();

        /// <summary>Also return each alert's original record (OriginalRecord).</summary>
        [Parameter] public SwitchParameter IncludeOriginal { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == AlertSet)
            {
                bool any = false;
                foreach (var alert in Reader.Alerts(null, AlertId, IncludeOriginal))
                {
                    any = true;
                    WriteStoreObject(alert);
                }
                if (!any)
                    WriteError(new ErrorRecord(new ItemNotFoundException($"No alert matches '{string.Join("', '", AlertId)}'."), "AlertNotFound", ErrorCategory.ObjectNotFound, AlertId));
                return;
            }
            var ids = NotYetHandled(IncidentId);
            if (ids.Length == 0) return;
            foreach (var alert in Reader.Alerts(ids, null, IncludeOriginal)) WriteStoreObject(alert);
            foreach (var id in ids)
                if (Reader.Incident(id) == null) WriteNotFound(id);
        }
    }
}
