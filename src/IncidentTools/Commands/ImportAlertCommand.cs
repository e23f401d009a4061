using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using IncidentTools.Import;
using IncidentTools.Store;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Commands
{
    /// <summary>Imports alerts from files or pipeline objects, correlates them into incidents and reports what it did.</summary>
    [Cmdlet(VerbsData.Import, "Alert", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
    [OutputType(typeof(ImportSummary))]
    [OutputType(typeof(Alert))]
    public sealed class ImportAlertCommand : StoreCommand
    {
        const string PathSet = "Path", LiteralPathSet = "LiteralPath", InputSet = "InputObject";

        /// <summary>Files to import; wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files to import, taken literally; binds FileInfo objects from Get-ChildItem.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>Alert objects: ConvertFrom-Json output, Import-Csv rows, Get-MgSecurityAlertV2 objects.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputSet, ValueFromPipeline = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>The input format; detected per file when not given.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(FormatCompleter))]
        public string? Format { get; set; }

        /// <summary>Tenant of every alert imported, overriding the records' own tenant fields.</summary>
        [Parameter]
        public string? TenantId { get; set; }

        /// <summary>Read files even when unchanged since they were last imported.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Characters kept of an alert's title; a cut is recorded in the alert's Truncated property.</summary>
        [Parameter]
        [ValidateRange(16, int.MaxValue)]
        public int MaxTitleLength { get; set; } = ImportLimits.DefaultMaxTitleLength;

        /// <summary>Characters kept of every other text field (description, entity names and properties, provider context); ids and the original record are never cut.</summary>
        [Parameter]
        [ValidateRange(64, int.MaxValue)]
        public int MaxFieldLength { get; set; } = ImportLimits.DefaultMaxFieldLength;

        /// <summary>Evidence items kept per alert (the first ones read); a cut is recorded in the alert's Truncated property.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaxEvidencePerAlert { get; set; } = ImportLimits.DefaultMaxEvidencePerAlert;

        /// <summary>Emit the stored alerts instead of the import summary.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        ImportSession? _session;
        readonly CancellationTokenSource _stop = new CancellationTokenSource();
        const int ProgressId = 1;
        string _progressActivity = "Importing alerts";

        protected override bool CreatesStore => true;

        protected override void BeginProcessing()
        {
            if (Format != null && !Readers.ReaderRegistry.FormatNames.Contains(Format, StringComparer.OrdinalIgnoreCase))
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"Unknown format '{Format}'. Known formats: {string.Join(", ", Readers.ReaderRegistry.FormatNames)}."),
                    "UnknownFormat", ErrorCategory.InvalidArgument, Format));
        }

        /// <summary>The import starts at the first input approved by ShouldProcess, so -WhatIf writes nothing at all.</summary>
        ImportSession Session()
        {
            _session ??= new ImportSession(OpenStore(),
                new ImportOptions
                {
                    Format = Format, TenantId = TenantId, Force = Force, KeepAlertIds = PassThru,
                    Limits = new ImportLimits { MaxTitleLength = MaxTitleLength, MaxFieldLength = MaxFieldLength, MaxEvidencePerAlert = MaxEvidencePerAlert },
                },
                OnProblem, OnProgress, _stop.Token, OnSkipped);
            return _session;
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == InputSet)
            {
                var baseObject = InputObject?.BaseObject;
                if (baseObject is FileInfo fi) { ImportFiles(new[] { fi.FullName }, literal: true); return; }
                if (baseObject is string s) { ImportFiles(new[] { s }, literal: false); return; }
                if (InputObject == null) return;
                if (PSObjectConverter.Convert(InputObject) is JObject record)
                {
                    if (ShouldProcess("pipeline object", "Import alert")) Session().ImportObject(record);
                }
                else WriteError(new ErrorRecord(new ArgumentException("The pipeline object is not a record with properties."), "InvalidAlertObject", ErrorCategory.InvalidType, InputObject));
                return;
            }
            ImportFiles(ParameterSetName == PathSet ? Path : LiteralPath, literal: ParameterSetName == LiteralPathSet);
        }

        void ImportFiles(IEnumerable<string> paths, bool literal)
        {
            foreach (var p in paths)
            {
                List<string> files;
                ProviderInfo provider;
                try
                {
                    files = literal
                        ? new List<string> { SessionState.Path.GetUnresolvedProviderPathFromPSPath(p, out provider, out _) }
                        : GetResolvedProviderPathFromPSPath(p, out provider).ToList();
                }
                catch (ItemNotFoundException ex)
                {
                    WritePathNotFound(p, ex);
                    continue;
                }
                if (provider.Name != "FileSystem")
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{p}' is not a file system path (provider {provider.Name}); Import-Alert reads files only."),
                        "PathNotFileSystem", ErrorCategory.InvalidArgument, p));
                    continue;
                }
                // -Path resolves and fails on a missing file; -LiteralPath must say the same, before any import starts.
                if (literal && !File.Exists(files[0]) && !Directory.Exists(files[0]))
                {
                    WritePathNotFound(p, null);
                    continue;
                }
                foreach (var file in files.OrderBy(f => f, StringComparer.Ordinal))
                {
                    if (_stop.IsCancellationRequested) return;
                    if (Directory.Exists(file))
                    {
                        WriteError(new ErrorRecord(new IOException($"'{file}' is a folder: give the files in it, for example '{System.IO.Path.Combine(file, "*.json")}'."),
                            "PathIsFolder", ErrorCategory.InvalidArgument, file));
                        continue;
                    }
                    if (!ShouldProcess(file, "Import alerts")) continue;
                    Session().ImportFile(file);
                }
            }
        }

        /// <summary>One error for a path that is not there, the same for -Path and -LiteralPath, worded like PowerShell's own.</summary>
        void WritePathNotFound(string path, ItemNotFoundException? fromProvider)
            => WriteError(new ErrorRecord(fromProvider ?? new ItemNotFoundException($"Cannot find path '{path}' because it does not exist."),
                "PathNotFound", ErrorCategory.ObjectNotFound, path));

        protected override void EndProcessing()
        {
            if (_session == null) return;
            var summary = _session.Complete();
            WriteProgress(new ProgressRecord(ProgressId, _progressActivity, "Done") { RecordType = ProgressRecordType.Completed });
            if (PassThru)
            {
                var ids = _session.AlertIds.Distinct().ToArray();
                foreach (var chunk in ids.Select((id, i) => (id, i)).GroupBy(x => x.i / 500, x => x.id))
                    foreach (var alert in Reader.Alerts(null, chunk.ToArray())) WriteStoreObject(alert);
            }
            else WriteObject(summary);
        }

        protected override void StopProcessing() => _stop.Cancel();

        void OnProblem(ImportProblem p)
        {
            // A missing file is PowerShell's PathNotFound, as for any cmdlet given a path that does not exist.
            string id = p.Kind == ImportProblemKind.FileNotFound ? "PathNotFound" : p.Kind.ToString();
            var category = p.Kind == ImportProblemKind.FileNotFound ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidData;
            WriteError(new ErrorRecord(new InvalidDataException(p.ToString()), id, category, p.Source));
        }

        /// <summary>Records that are not alerts (a flow event, an incident without alerts) are counted, and said why under -Verbose.</summary>
        void OnSkipped(ImportProblem p) => WriteVerbose("Skipped " + p);

        void OnProgress(ImportProgress p)
        {
            // A new record each time: the host may keep the ones it was given.
            _progressActivity = p.Activity;
            WriteProgress(new ProgressRecord(ProgressId, p.Activity, p.BytesTotal > 0
                ? $"{p.Records:N0} records, {p.BytesDone / 1048576.0:N1} of {p.BytesTotal / 1048576.0:N1} MB, {p.RecordsPerSecond:N0} records/s"
                : $"{p.Records:N0} records, {p.RecordsPerSecond:N0} records/s")
            {
                CurrentOperation = p.File,
                PercentComplete = p.BytesTotal > 0 ? (int)Math.Min(100, 100 * p.BytesDone / p.BytesTotal) : -1,
            });
        }
    }
}
