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

        /// <summary>The -Store value (see StoreCommand and StoreObjectCommand for where it may come from).</summary>
        protected abstract string? RequestedStore { get; }

        /// <summary>Only importing (and setting the policy) creates a store; other commands refuse a path with no store.</summary>
        protected virtual bool CreatesStore => false;

        protected IncidentStore OpenStore()
        {
            string? path = RequestedStore == null ? null : GetUnresolvedProviderPathFromPSPath(RequestedStore);
            string full = System.IO.Path.GetFullPath(path ?? IncidentStore.DefaultPath());
            if (_store != null && string.Equals(_store.Path, full, StringComparison.Ordinal)) return _store;
            if (_store != null)
            {
                OnStoreChanging(); // a piped object from another store: finish with this one, then use that one
                _store.Dispose();
                _store = null;
            }
            try
            {
                _store = IncidentStore.Open(full, CreatesStore);
            }
            catch (StoreException ex)
            {
                var category = ex.ErrorId == "StoreNotFound" ? ErrorCategory.ObjectNotFound : ErrorCategory.OpenError;
                ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, category, full));
            }
            return _store!;
        }

        /// <summary>Called before a command that was working on one store turns to another (objects piped from two stores).</summary>
        protected virtual void OnStoreChanging() { }

        /// <summary>Writes an object of the store with its Store property, so the next cmdlet in a pipeline uses the same store.</summary>
        protected void WriteStoreObject(object item, string? typeName = null)
        {
            var pso = PSObject.AsPSObject(item);
            if (typeName != null) pso.TypeNames.Insert(0, typeName);
            pso.Properties.Remove("Store");
            pso.Properties.Add(new PSNoteProperty("Store", OpenStore().Path));
            WriteObject(pso);
        }

        protected IncidentReader Reader => new IncidentReader(OpenStore());

        readonly HashSet<(string, long)> _handledIncidents = new HashSet<(string, long)>();

        /// <summary>
        /// The ids this command has not handled yet. Four alerts of one incident piped in name it four times; the
        /// incident is still read, changed or commented once.
        /// </summary>
        protected long[] NotYetHandled(long[] incidentIds) => incidentIds.Where(id => _handledIncidents.Add((OpenStore().Path, id))).ToArray();

        protected void WriteNotFound(long incidentId)
            => WriteError(new ErrorRecord(new ItemNotFoundException($"There is no incident {incidentId} in the store '{OpenStore().Path}'."),
                "IncidentNotFound", ErrorCategory.ObjectNotFound, incidentId));

        /// <summary>Writes a comment object with the type name the views and the spec use.</summary>
        protected void WriteComment(IncidentComment comment) => WriteStoreObject(comment, "IncidentTools.Comment");

        public void Dispose()
        {
            _store?.Dispose();
            _store = null;
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>A command on the store named on its command line only (importing, backing up, the policy, replays).</summary>
    public abstract class StoreCommand : StoreCmdlet
    {
        /// <summary>The store file. Default: $env:INCIDENTTOOLS_STORE, else the per-user default path.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Store { get; set; }

        protected override string? RequestedStore => Store;
    }

    /// <summary>
    /// A command on incidents, alerts and what hangs on them. Objects the cmdlets write carry the store they came
    /// from (their Store property), which binds -Store: piping them works on that store, never on another one.
    /// </summary>
    public abstract class StoreObjectCommand : StoreCmdlet
    {
        /// <summary>The store file. Default: the Store of piped objects, else $env:INCIDENTTOOLS_STORE, else the per-user default path.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Store { get; set; }

        protected override string? RequestedStore => Store;
    }
}
