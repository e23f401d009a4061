using System.Collections.Generic;
using System.Management.Automation;

namespace IncidentTools.Commands
{
    /// <summary>The Devices / Users / Mailboxes / ... tabs: entities of incidents, or of all incidents.</summary>
    [Cmdlet(VerbsCommon.Get, "IncidentEntity")]
    [OutputType(typeof(Entity))]
    public sealed class GetIncidentEntityCommand : StoreCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        public long[]? IncidentId { get; set; }

        [Parameter] public EntityType[]? Type { get; set; }

        /// <summary>Entity names or normalised keys; wildcards allowed.</summary>
        [Parameter] [ArgumentCompleter(typeof(EntityNameCompleter))] public string[]? Name { get; set; }

        bool _gotIncidents;

        protected override void ProcessRecord()
        {
            if (IncidentId == null || IncidentId.Length == 0) return;
            _gotIncidents = true;
            foreach (var id in IncidentId)
                if (Reader.Incident(id) == null) WriteNotFound(id);
            foreach (var e in Reader.Entities(IncidentId, Type, Name)) WriteObject(e);
        }

        protected override void EndProcessing()
        {
            if (_gotIncidents || MyInvocation.ExpectingInput) return;
            foreach (var e in Reader.Entities(null, Type, Name)) WriteObject(e);
        }
    }
}
