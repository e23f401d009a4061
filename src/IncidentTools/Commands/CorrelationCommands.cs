using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using IncidentTools.Correlation;
using IncidentTools.Store;

namespace IncidentTools.Commands
{
    /// <summary>Why incidents hold together: every alert's link (or first alert, or a person's decision) and every refused merge.</summary>
    [Cmdlet(VerbsCommon.Get, "IncidentCorrelation")]
    [OutputType(typeof(CorrelationLink))]
    public sealed class GetIncidentCorrelationCommand : StoreObjectCommand
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        public long[] IncidentId { get; set; } = Array.Empty<long>();

        protected override void ProcessRecord()
        {
            var explainer = new CorrelationExplainer(OpenStore());
            foreach (var id in IncidentId)
            {
                if (Reader.Incident(id) == null) { WriteNotFound(id); continue; }
                foreach (var link in explainer.Explain(id)) WriteStoreObject(link);
            }
        }
    }

    /// <summary>The correlation policy kept in the store.</summary>
    [Cmdlet(VerbsCommon.Get, "IncidentCorrelationPolicy")]
    [OutputType(typeof(CorrelationPolicy))]
    public sealed class GetIncidentCorrelationPolicyCommand : StoreCommand
    {
        protected override void EndProcessing() => WriteObject(CorrelationPolicyStore.Load(OpenStore()));
    }

    /// <summary>Changes the correlation policy: only the values given; a value out of range is refused with its range and nothing is saved.</summary>
    [Cmdlet(VerbsCommon.Set, "IncidentCorrelationPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ValuesSet)]
    [OutputType(typeof(CorrelationPolicy))]
    public sealed class SetIncidentCorrelationPolicyCommand : StoreCommand
    {
        const string ValuesSet = "Values", PolicySet = "Policy", ResetSet = "Reset";

        /// <summary>Setting the policy before the first import creates the store.</summary>
        protected override bool CreatesStore => true;

        /// <summary>A whole policy, for example one read with Get-IncidentCorrelationPolicy and changed.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PolicySet)]
        public CorrelationPolicy? InputObject { get; set; }

        /// <summary>Back to the defaults.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ResetSet)]
        public SwitchParameter Reset { get; set; }

        [Parameter(ParameterSetName = ValuesSet)] public double? WindowHours { get; set; }
        [Parameter(ParameterSetName = ValuesSet)] public double? PrevalenceThreshold { get; set; }
        [Parameter(ParameterSetName = ValuesSet)] public int? PrevalenceMinimumAlerts { get; set; }
        [Parameter(ParameterSetName = ValuesSet)] public double? PrevalentLinkStrength { get; set; }
        [Parameter(ParameterSetName = ValuesSet)] public int? MaxAlertsPerIncident { get; set; }
        [Parameter(ParameterSetName = ValuesSet)] public int? MaxCandidatesPerEntity { get; set; }
        [Parameter(ParameterSetName = ValuesSet)] public bool? ReopenResolved { get; set; }

        /// <summary>Entity type → strength from 0 (never links) to 1 (links on its own); merged into the current strengths.</summary>
        [Parameter(ParameterSetName = ValuesSet)] public Hashtable? LinkStrength { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var store = OpenStore();
            CorrelationPolicy policy;
            try
            {
                policy = ParameterSetName switch
                {
                    PolicySet => InputObject!.Clone(),
                    ResetSet => new CorrelationPolicy(),
                    _ => Changed(CorrelationPolicyStore.Load(store)),
                };
                policy.Validate();
            }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "InvalidCorrelationPolicy", ErrorCategory.InvalidArgument, ex.ParamName));
                return;
            }
            if (!ShouldProcess($"correlation policy of store '{store.Path}'", "Set")) return;
            CorrelationPolicyStore.Save(store, policy);
            if (PassThru) WriteObject(policy);
        }

        CorrelationPolicy Changed(CorrelationPolicy p)
        {
            if (WindowHours is double w) p.WindowHours = w;
            if (PrevalenceThreshold is double t) p.PrevalenceThreshold = t;
            if (PrevalenceMinimumAlerts is int m) p.PrevalenceMinimumAlerts = m;
            if (PrevalentLinkStrength is double ps) p.PrevalentLinkStrength = ps;
            if (MaxAlertsPerIncident is int cap) p.MaxAlertsPerIncident = cap;
            if (MaxCandidatesPerEntity is int c) p.MaxCandidatesPerEntity = c;
            if (ReopenResolved is bool r) p.ReopenResolved = r;
            foreach (DictionaryEntry kv in LinkStrength ?? new Hashtable())
            {
                string name = kv.Key?.ToString() ?? "";
                if (!double.TryParse(Convert.ToString(kv.Value, System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var strength))
                    throw new ArgumentException($"The link strength of {name} must be a number between 0 and 1, not '{kv.Value}'.", nameof(LinkStrength));
                p.LinkingTypes[name] = strength; // the type name is checked with the rest of the policy
            }
            return p;
        }
    }

    /// <summary>Merges incidents into one: the sources become Redirected, their alerts and tags move, their comments and history stay reachable.</summary>
    [Cmdlet(VerbsData.Merge, "Incident", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Incident))]
    public sealed class MergeIncidentCommand : StoreObjectCommand
    {
        /// <summary>The incidents to merge (with -Into, the sources; without, all of them).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        public long[] IncidentId { get; set; } = Array.Empty<long>();

        /// <summary>The surviving incident. Default: the given incident with the most alerts (then the oldest).</summary>
        [Parameter(Position = 1)]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        public long? Into { get; set; }

        /// <summary>Why; kept in the survivor's history.</summary>
        [Parameter] public string? Comment { get; set; }

        [Parameter] [ValidateNotNullOrEmpty] public string Actor { get; set; } = Environment.UserName;

        [Parameter] public SwitchParameter PassThru { get; set; }

        readonly List<long> _ids = new List<long>();

        protected override void ProcessRecord() => _ids.AddRange(IncidentId);

        protected override void EndProcessing()
        {
            var given = _ids.Distinct().ToList();
            var incidents = new List<Incident>();
            foreach (var id in given.Concat(Into is long i && !given.Contains(i) ? new[] { i } : Array.Empty<long>()))
            {
                var incident = Reader.Incident(id);
                if (incident == null) { WriteNotFound(id); return; }
                incidents.Add(incident);
            }
            var survivor = Into is long into ? incidents.First(x => x.Id == into)
                : incidents.OrderByDescending(x => x.AlertCount).ThenBy(x => x.Id).FirstOrDefault();
            if (survivor == null) return;
            var sources = incidents.Where(x => x.Id != survivor.Id).Select(x => x.Id).ToList();
            if (!ShouldProcess($"incident {survivor.Id} '{survivor.DisplayName}'", $"Merge incident(s) {string.Join(", ", sources)} into")) return;
            try
            {
                var merged = new IncidentMerger(OpenStore()).Merge(survivor.Id, sources, Actor, Comment);
                if (PassThru) WriteStoreObject(merged);
            }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "IncidentMergeRefused", ErrorCategory.InvalidOperation, survivor));
            }
        }
    }

    /// <summary>Moves alerts to another incident, or to a new one; both sides are recomputed.</summary>
    [Cmdlet(VerbsCommon.Move, "IncidentAlert", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ToSet)]
    [OutputType(typeof(Incident))]
    public sealed class MoveIncidentAlertCommand : StoreObjectCommand
    {
        const string ToSet = "ToIncident", NewSet = "NewIncident";

        /// <summary>The full alert ids (an alert's Id property binds from the pipeline).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        public string[] AlertId { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ToSet)]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        public long ToIncidentId { get; set; }

        /// <summary>Starts one new incident for all the alerts given.</summary>
        [Parameter(Mandatory = true, ParameterSetName = NewSet)]
        public SwitchParameter NewIncident { get; set; }

        [Parameter] [ValidateNotNullOrEmpty] public string Actor { get; set; } = Environment.UserName;

        [Parameter] public SwitchParameter PassThru { get; set; }

        long? _target;
        readonly SortedSet<long> _touched = new SortedSet<long>();

        protected override void BeginProcessing()
        {
            if (ParameterSetName == ToSet) _target = ToIncidentId;
        }

        protected override void ProcessRecord()
        {
            var merger = new IncidentMerger(OpenStore());
            foreach (var alertId in AlertId)
            {
                string where = _target is long t ? $"incident {t}" : "a new incident";
                if (!ShouldProcess($"alert '{alertId}'", "Move to " + where)) continue;
                try
                {
                    var move = merger.MoveAlert(alertId, _target, Actor);
                    _target = move.ToIncidentId; // further alerts of -NewIncident join the incident the first one started
                    _touched.Add(move.ToIncidentId);
                    if (!move.SourceRedirected) _touched.Add(move.FromIncidentId);
                }
                catch (KeyNotFoundException ex) { WriteError(new ErrorRecord(ex, "AlertOrIncidentNotFound", ErrorCategory.ObjectNotFound, alertId)); }
                catch (ArgumentException ex) { WriteError(new ErrorRecord(ex, "AlertMoveRefused", ErrorCategory.InvalidOperation, alertId)); }
            }
        }

        protected override void EndProcessing()
        {
            if (!PassThru) return;
            foreach (var id in _touched)
                if (Reader.Incident(id) is Incident incident) WriteStoreObject(incident);
        }
    }
}

namespace IncidentTools.Commands
{
    /// <summary>
    /// Re-runs correlation over the stored alerts, under the stored policy or another one, keeping people's work
    /// with its alerts; with -WhatIf it reports what would change and changes nothing.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "IncidentCorrelation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ReplayChange))]
    public sealed class InvokeIncidentCorrelationCommand : StoreCommand
    {
        /// <summary>The policy to replay under; saved as the store's policy when the replay is applied. Default: the stored policy.</summary>
        [Parameter(ValueFromPipeline = true)]
        public CorrelationPolicy? Policy { get; set; }

        /// <summary>Only these tenants' alerts (default: all).</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string[]? TenantId { get; set; }

        [Parameter] [ValidateNotNullOrEmpty] public string Actor { get; set; } = Environment.UserName;

        readonly System.Threading.CancellationTokenSource _cancel = new System.Threading.CancellationTokenSource();

        protected override void EndProcessing()
        {
            var store = OpenStore();
            var policy = Policy ?? CorrelationPolicyStore.Load(store);
            try { policy.Validate(); }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "InvalidCorrelationPolicy", ErrorCategory.InvalidArgument, policy));
            }
            string scope = TenantId is { Length: > 0 } ? "tenant(s) " + string.Join(", ", TenantId) : "all tenants";
            // Under -WhatIf the replay still runs, in a transaction that is rolled back, so the preview is exact.
            bool apply = ShouldProcess($"stored alerts of {scope} in '{store.Path}'", "Re-correlate");
            bool whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) ? ((SwitchParameter)w).IsPresent
                : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
            if (!apply && !whatIf) return; // declined at -Confirm
            var progress = new ProgressRecord(1, "Re-correlating alerts", "Starting");
            System.Collections.Generic.List<ReplayChange> changes;
            try
            {
                changes = new CorrelationReplay(store, policy).Run(TenantId, apply, Actor, _cancel.Token, (done, total) =>
                {
                    progress.StatusDescription = $"{done:N0} of {total:N0} alerts";
                    progress.PercentComplete = total == 0 ? 100 : (int)Math.Min(100, 100L * done / total);
                    WriteProgress(progress);
                });
            }
            catch (OperationCanceledException)
            {
                return; // nothing was committed: the replay is one transaction
            }
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            if (apply && Policy != null) CorrelationPolicyStore.Save(store, policy);
            foreach (var change in changes) WriteStoreObject(change);
        }

        protected override void StopProcessing() => _cancel.Cancel();
    }
}
