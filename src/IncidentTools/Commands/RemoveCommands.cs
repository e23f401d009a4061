using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using IncidentTools.Store;

namespace IncidentTools.Commands
{
    /// <summary>
    /// Removes alerts: those given (pipeline or -AlertId), those an import added (-ImportId, to undo a wrong
    /// import) or those older than a date (-Before). Incidents they leave empty are removed, the others recomputed.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "Alert", DefaultParameterSetName = InputSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(RemovalSummary))]
    public sealed class RemoveAlertCommand : RemoveCommandBase
    {
        const string AlertIdSet = "AlertId", InputSet = "InputObject", ImportSet = "ImportId", SummarySet = "ImportSummary", BeforeSet = "Before";

        /// <summary>Alerts from Get-IncidentAlert.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputSet, ValueFromPipeline = true)]
        public Alert[] InputObject { get; set; } = Array.Empty<Alert>();

        /// <summary>Alert ids (the full id or the provider's id); wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = AlertIdSet)]
        [ValidateNotNullOrEmpty]
        [ValidateWildcardPattern]
        public string[] AlertId { get; set; } = Array.Empty<string>();

        /// <summary>Imports to undo (ImportId of Import-Alert's summary): the alerts each one added.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ImportSet)]
        [ValidateNotNullOrEmpty]
        public string[] ImportId { get; set; } = Array.Empty<string>();

        /// <summary>
        /// Import-Alert's summaries, piped: the imports to undo. Bound by value, not by the ImportId property, which a
        /// piped alert also has (the last import that touched it): piping an alert removes that alert only.
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = SummarySet, ValueFromPipeline = true)]
        public IncidentTools.Import.ImportSummary[] Summary { get; set; } = Array.Empty<IncidentTools.Import.ImportSummary>();

        /// <summary>Removes alerts whose last activity is before this time.</summary>
        [Parameter(Mandatory = true, ParameterSetName = BeforeSet)]
        public DateTime Before { get; set; }

        readonly List<string> _pending = new List<string>();

        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case InputSet:
                    foreach (var alert in InputObject) Select(alert);
                    break;
                case AlertIdSet:
                    foreach (var id in AlertId)
                    {
                        bool any = false;
                        foreach (var alert in Reader.Alerts(null, new[] { id })) { any = true; Select(alert); }
                        if (!any)
                            WriteError(new ErrorRecord(new ItemNotFoundException($"No alert in the store '{OpenStore().Path}' matches '{id}'."), "AlertNotFound", ErrorCategory.ObjectNotFound, id));
                    }
                    break;
                case ImportSet:
                    foreach (var id in ImportId) UndoImport(id);
                    break;
                case SummarySet:
                    foreach (var summary in Summary) UndoImport(summary.ImportId);
                    break;
                case BeforeSet:
                    var before = Utc(Before);
                    var old = Remover.AlertsBefore(before);
                    if (ShouldProcess($"store '{OpenStore().Path}'", $"Remove {old.Count} alert(s) whose last activity is before {before:u}"))
                        Report(Remover.RemoveAlerts(old, $"last activity before {before:u}"));
                    break;
            }
            if (_pending.Count >= 1000) Flush();
        }

        protected override void EndProcessing() => Flush();

        void Select(Alert alert)
        {
            if (ShouldProcess($"alert {alert.Id} '{alert.Title}'" + (alert.IncidentId is long i ? $" of incident {i}" : ""), "Remove alert"))
                _pending.Add(alert.Id);
        }

        protected override void Flush()
        {
            if (_pending.Count == 0) return;
            Report(Remover.RemoveAlerts(_pending, "removed with Remove-Alert"));
            _pending.Clear();
        }

        void UndoImport(string importId)
        {
            if (!Remover.ImportExists(importId))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"The store '{OpenStore().Path}' has no import '{importId}'. The ImportId is in Import-Alert's summary."),
                    "ImportNotFound", ErrorCategory.ObjectNotFound, importId));
                return;
            }
            var added = Remover.AlertsCreatedBy(importId);
            long onlyUpdated = Remover.AlertsOnlyUpdatedBy(importId);
            if (!ShouldProcess($"import {importId}", $"Remove the {added.Count} alert(s) it added")) return;
            Report(Remover.RemoveAlerts(added, $"import {importId} undone"));
            Remover.ForgetImport(importId);
            if (onlyUpdated > 0)
                WriteWarning($"{onlyUpdated} alert(s) stored before import {importId} were changed by it; they are kept as they are now.");
        }
    }

    /// <summary>Removes incidents with all their alerts: those given (pipeline or -IncidentId) or those older than a date (-Before).</summary>
    [Cmdlet(VerbsCommon.Remove, "Incident", DefaultParameterSetName = IdSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(RemovalSummary))]
    public sealed class RemoveIncidentCommand : RemoveCommandBase
    {
        const string IdSet = "Id", BeforeSet = "Before";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        public long[] IncidentId { get; set; } = Array.Empty<long>();

        /// <summary>Removes incidents whose last activity is before this time.</summary>
        [Parameter(Mandatory = true, ParameterSetName = BeforeSet)]
        public DateTime Before { get; set; }

        readonly List<long> _pending = new List<long>();

        protected override void ProcessRecord()
        {
            if (ParameterSetName == BeforeSet)
            {
                var before = Utc(Before);
                var old = Remover.IncidentsBefore(before);
                if (ShouldProcess($"store '{OpenStore().Path}'", $"Remove {old.Count} incident(s) whose last activity is before {before:u}, with their alerts"))
                    Report(Remover.RemoveIncidents(old, $"last activity before {before:u}"));
                return;
            }
            foreach (var id in IncidentId)
            {
                var incident = Reader.Incident(id);
                if (incident == null) { WriteNotFound(id); continue; }
                if (ShouldProcess($"incident {id} '{incident.DisplayName}' with its {incident.AlertCount} alert(s)", "Remove incident"))
                    _pending.Add(id);
            }
            if (_pending.Count >= 1000) Flush();
        }

        protected override void EndProcessing() => Flush();

        protected override void Flush()
        {
            if (_pending.Count == 0) return;
            Report(Remover.RemoveIncidents(_pending, "removed with Remove-Incident"));
            _pending.Clear();
        }
    }

    /// <summary>What Remove-Alert and Remove-Incident share: the remover, -PassThru and what they report.</summary>
    public abstract class RemoveCommandBase : StoreObjectCommand
    {
        /// <summary>Emit a summary of what was removed.</summary>
        [Parameter] public SwitchParameter PassThru { get; set; }

        StoreRemover? _remover;
        protected StoreRemover Remover => _remover ??= new StoreRemover(OpenStore(), Environment.UserName);

        /// <summary>Removes what was gathered so far (removals are batched).</summary>
        protected abstract void Flush();

        protected override void OnStoreChanging()
        {
            Flush();
            _remover = null;
        }

        protected void Report(RemovalSummary summary)
        {
            WriteVerbose($"Removed {summary.AlertsRemoved} alert(s), {summary.IncidentsRemoved} incident(s) ({string.Join(", ", summary.RemovedIncidentIds)}) and {summary.EntitiesRemoved} entities no alert uses any more; recomputed {summary.IncidentsUpdated} incident(s) ({string.Join(", ", summary.UpdatedIncidentIds)}).");
            if (PassThru) WriteObject(summary);
        }

        /// <summary>A -Before time: local unless it says otherwise, as every time parameter of the module.</summary>
        protected static DateTimeOffset Utc(DateTime t)
            => new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Local) : t).ToUniversalTime();
    }
}
