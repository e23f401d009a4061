#Requires -Version 7.6

<#
.SYNOPSIS
    Scheduled job: imports every alert export in a folder and reports the new high-severity incidents.
.DESCRIPTION
    Meant for cron or Windows Task Scheduler (pwsh -NoProfile -NonInteractive -File Import-AlertJob.ps1 ...).
    Each run imports the files of -Folder into the store; files already imported and unchanged are skipped, so
    a run reports only what arrived since the last one. It logs a one-line summary, one line for each open
    incident this import created or updated whose severity is -MinimumSeverity or above, and every problem;
    optionally it writes a JSON report (-ReportPath) for other tools, and with -PassThru it also writes the
    incident objects, so a caller can pipe them on.

    Never prompts and shows no progress, so it runs unattended. Exit codes:
      0  everything imported;
      1  some records or files failed (each is logged; the good ones were imported);
      2  the import could not run at all (no such folder, store unopenable or of a newer schema, module missing).
.PARAMETER Folder
    The folder holding the exports (Graph JSON, NDJSON, Sentinel CSV, ...).
.PARAMETER Store
    The store file. Default: $env:INCIDENTTOOLS_STORE, else the per-user default.
.PARAMETER Include
    File name patterns to import. Default: *.json, *.jsonl, *.ndjson, *.csv.
.PARAMETER Recurse
    Also import the files of sub-folders.
.PARAMETER MinimumSeverity
    The lowest incident severity reported. Default: High.
.PARAMETER ReportPath
    Also write the run's summary and the reported incidents to this JSON file.
.PARAMETER PassThru
    Also write the reported incidents as objects.
.PARAMETER Module
    The IncidentTools module to import: its name (default) or the path of its manifest.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File ./Import-AlertJob.ps1 -Folder /var/exports/alerts -Store /var/lib/incidenttools/incidents.db
.EXAMPLE
    ./Import-AlertJob.ps1 -Folder D:\Exports -MinimumSeverity Medium -ReportPath D:\IncidentTools\last-run.json -PassThru | Set-Incident -AddTag 'needs-triage'
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Folder,
    [string] $Store,
    [string[]] $Include = @('*.json', '*.jsonl', '*.ndjson', '*.csv'),
    [switch] $Recurse,
    [ValidateSet('Informational', 'Low', 'Medium', 'High')] [string] $MinimumSeverity = 'High',
    [string] $ReportPath,
    [switch] $PassThru,
    [string] $Module = 'IncidentTools'
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # no progress bars in a log
# The summary lines go to the log, unless the caller said otherwise with -InformationAction.
if (-not $PSBoundParameters.ContainsKey('InformationAction')) { $InformationPreference = 'Continue' }
$PSStyle.OutputRendering = 'PlainText'     # and without colour codes

try {
    Import-Module $Module
    if (-not (Test-Path -LiteralPath $Folder -PathType Container)) { throw "The folder '$Folder' does not exist." }
    $storeParameter = if ($Store) { @{ Store = $Store } } else { @{} }
    $files = @(Get-ChildItem -LiteralPath $Folder -File -Recurse:$Recurse | Where-Object { $name = $_.Name; $Include.Where({ $name -like $_ }, 'First') })
    $summary = $null
    $problems = @()
    if ($files.Count -gt 0) {
        # Bad records are non-terminating errors: collect them, import every good record.
        $summary = Import-Alert -LiteralPath $files.FullName @storeParameter -ErrorAction SilentlyContinue -ErrorVariable +problems
    }
}
catch {
    Write-Error -ErrorRecord $_ -ErrorAction Continue
    exit 2
}

foreach ($problem in $problems) { Write-Error -ErrorRecord $problem -ErrorAction Continue }

$touched = if ($summary) { @($summary.CreatedIncidentIds) + @($summary.UpdatedIncidentIds) } else { @() }
$severities = @('Informational', 'Low', 'Medium', 'High')
$reported = @(
    if ($touched.Count -gt 0) {
        Get-Incident -Id $touched -Status Active, InProgress -Severity $severities[$severities.IndexOf($MinimumSeverity)..3] -SortBy Priority @storeParameter
    }
)

$failed = if ($summary) { $summary.Failed } else { 0 }
$fileProblems = @($problems | Where-Object { $_.FullyQualifiedErrorId -notlike 'InvalidAlertRecord,*' }).Count
Write-Information ("{0:u} {1} file(s) in {2}: {3} alerts read, {4} created, {5} updated, {6} failed records, {7} file problems; {8} incident(s) of severity {9} or above to look at." -f
    (Get-Date).ToUniversalTime(), $files.Count, $Folder, ($summary.Read ?? 0), ($summary.Created ?? 0), ($summary.Updated ?? 0), $failed, $fileProblems, $reported.Count, $MinimumSeverity)

foreach ($incident in $reported) {
    Write-Information ("  #{0} {1} {2}, priority {3}, {4} alert(s), last activity {5:u}: {6}" -f
        $incident.Id, $incident.Severity, $incident.Status, $incident.Priority, $incident.AlertCount, $incident.LastActivityDateTime, $incident.DisplayName)
}

if ($ReportPath) {
    [ordered]@{
        Time      = (Get-Date).ToUniversalTime().ToString('o')
        Folder    = $Folder
        Summary   = $summary
        Problems  = @($problems | ForEach-Object { [ordered]@{ ErrorId = $_.FullyQualifiedErrorId.Split(',')[0]; Message = $_.Exception.Message } })
        Incidents = @($reported | Select-Object Id, DisplayName, Severity, Status, Priority, AlertCount, AssignedTo, Categories, LastActivityDateTime)
    } | ConvertTo-Json -Depth 5 -EnumsAsStrings | Set-Content -LiteralPath $ReportPath
}

if ($PassThru) { $reported }
exit ($problems.Count -gt 0 ? 1 : 0)
