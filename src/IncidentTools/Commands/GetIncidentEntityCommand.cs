using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace IncidentTools.Commands
{
    /// <summary>The Devices / Users / Mailboxes / ... tabs: entities of incidents, of alerts, or of all incidents.</summary>
    [Cmdlet(VerbsCommon.Get, "IncidentEntity")]
    [OutputType(typeof(Entity))]
    public sealed class GetIncidentEntityCommand : StoreObjectCommand
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        public long[]? IncidentId { get; set; }

        /// <summary>Alerts from Get-IncidentAlert: the entities of those alerts only, not of their whole incidents.</summary>
        [Parameter(ValueFromPipeline = true)]
        public Alert[]? Alert { get; set; }

        [Parameter] public EntityType[]? Type { get; set; }

        /// <summary>Entity names or normalised keys; wildcards allowed.</summary>
        [Parameter] [ValidateWildcardPattern] [ArgumentCompleter(typeof(EntityNameCompleter))] public string[]? Name { get; set; }

        bool _gotInput;
        // Piped alerts are gathered and listed at the end, so an entity several of them share is one object.
        readonly List<string> _alertIds = new List<string>();
        const int AlertIdsPerQuery = 10000; // well under SQLite's limit of bound parameters

        protected override void ProcessRecord()
        {
            if (Alert is { Length: > 0 })
            {
                _gotInput = true;
                _alertIds.AddRange(Alert.Select(a => a.Id));
                return;
            }
            if (IncidentId == null || IncidentId.Length == 0) return;
            _gotInput = true;
            var ids = NotYetHandled(IncidentId);
            if (ids.Length == 0) return;
            foreach (var id in ids)
                if (Reader.Incident(id) == null) WriteNotFound(id);
            foreach (var e in Reader.Entities(ids, Type, Name)) WriteStoreObject(e);
        }

        protected override void EndProcessing()
        {
            foreach (var chunk in _alertIds.Distinct().Chunk(AlertIdsPerQuery))
                foreach (var e in Reader.Entities(null, Type, Name, chunk)) WriteStoreObject(e);
            if (_gotInput || MyInvocation.ExpectingInput) return;
            foreach (var e in Reader.Entities(null, Type, Name)) WriteStoreObject(e);
        }
    }
}
