using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using IncidentTools.Store;

namespace IncidentTools.Commands
{
    /// <summary>Every cmdlet takes -Store; this opens it once per command and turns store problems into terminating errors.</summary>
    public abstract class StoreCmdlet : PSCmdlet, IDisposable
    {
        IncidentStore? _store;

        /// <summary>The store file. Default: $env:INCIDENTTOOLS_STORE, else the per-user default path.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Store { get; set; }

        protected IncidentStore OpenStore()
        {
            if (_store != null) return _store;
            string? path = Store == null ? null : GetUnresolvedProviderPathFromPSPath(Store);
            try
            {
                _store = IncidentStore.Open(path);
            }
            catch (StoreException ex)
            {
                string id = ex.Message.Contains("newer than") ? "StoreSchemaTooNew" : "StoreUnavailable";
                ThrowTerminatingError(new ErrorRecord(ex, id, ErrorCategory.OpenError, path ?? IncidentStore.DefaultPath()));
            }
            return _store!;
        }

        protected IncidentReader Reader => new IncidentReader(OpenStore());

        readonly HashSet<long> _handledIncidents = new HashSet<long>();

        /// <summary>
        /// The ids this command has not handled yet. Four alerts of one incident piped in name it four times; the
        /// incident is still read, changed or commented once.
        /// </summary>
        protected long[] NotYetHandled(long[] incidentIds) => incidentIds.Where(_handledIncidents.Add).ToArray();

        protected void WriteNotFound(long incidentId)
            => WriteError(new ErrorRecord(new ItemNotFoundException($"There is no incident {incidentId} in the store '{OpenStore().Path}'."),
                "IncidentNotFound", ErrorCategory.ObjectNotFound, incidentId));

        /// <summary>Writes a comment object with the type name the views and the spec use.</summary>
        protected void WriteComment(IncidentComment comment)
        {
            var pso = PSObject.AsPSObject(comment);
            pso.TypeNames.Insert(0, "IncidentTools.Comment");
            WriteObject(pso);
        }

        public void Dispose()
        {
            _store?.Dispose();
            _store = null;
            GC.SuppressFinalize(this);
        }
    }
}
