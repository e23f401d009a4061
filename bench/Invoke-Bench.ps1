#Requires -Version 7.6
<#
.SYNOPSIS
    The IncidentTools benchmark: the product against the floor, side by side in one run.
.DESCRIPTION
    For each size (ascending): writes or reuses generated Graph alerts_v2 NDJSON, a Graph JSON array and a Sentinel
    SecurityAlert CSV; runs the floor (bare-minimum C# import of the NDJSON, in IncidentTools.Bench); runs
    Import-Alert end to end in a fresh pwsh for each of the three files (file to correlated incidents, with the
    process's peak memory); and, up to 100k alerts, the plain-PowerShell way (Get-Content | ConvertFrom-Json,
    grouping by user in a hashtable). Then it times queries through the cmdlets on the smallest and the largest
    NDJSON store. It prints the figures and whether each target holds, and writes them all to results.json.
    build.ps1 -Task Bench builds the module and the bench tool and calls this script.
.EXAMPLE
    ./bench/Invoke-Bench.ps1 -Size 10000 -ModulePath out/IncidentTools/IncidentTools.psd1 -BenchTool out/bench-tool/IncidentTools.Bench.dll
#>
[CmdletBinding()]
param(
    [ValidateRange(100, 10000000)]
    [int[]] $Size = @(10000, 100000),
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $BenchTool,
    # Generated files are kept here and reused; stores and results.json are written here.
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/bench'),
    # Each query runs this many times after a warm-up call; the median counts.
    [ValidateRange(1, 100)]
    [int] $QueryRepeat = 7
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$ModulePath = (Resolve-Path $ModulePath).Path
$BenchTool = (Resolve-Path $BenchTool).Path
$null = New-Item -ItemType Directory -Force $OutputPath
$OutputPath = (Resolve-Path $OutputPath).Path
$dataDir = Join-Path $OutputPath 'data'
$storeDir = Join-Path $OutputPath 'stores'
$Size = @($Size | Sort-Object -Unique)
# The plain-PowerShell script holds every parsed alert in memory: beyond this it cannot run on an ordinary machine.
$plainPowerShellLimit = 100000

function Invoke-BenchTool([string[]] $Arguments) {
    $out = & dotnet $BenchTool @Arguments
    if ($LASTEXITCODE -ne 0) { throw "IncidentTools.Bench $($Arguments[0]) failed (exit code $LASTEXITCODE)." }
    $out | Select-Object -Last 1 | ConvertFrom-Json
}

# Runs a script in a fresh pwsh and returns the JSON object its last output line holds.
function Invoke-Child([string] $What, [string] $Script) {
    $file = Join-Path ([IO.Path]::GetTempPath()) ("it-bench-" + [guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -Path $file -Value $Script
    try {
        $output = @(& $pwsh -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" })
        if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE): $($output -join [Environment]::NewLine)" }
    }
    finally { Remove-Item $file -Force -ErrorAction SilentlyContinue }
    $output | Select-Object -Last 1 | ConvertFrom-Json
}

function Remove-Store([string] $Path) {
    foreach ($suffix in '', '-wal', '-shm') { Remove-Item -LiteralPath "$Path$suffix" -Force -ErrorAction SilentlyContinue }
}

# What every child reports at the end: its peak memory (VmHWM on Linux) and CPU time.
$processFacts = '$p = [Diagnostics.Process]::GetCurrentProcess(); $result.PeakWorkingSetBytes = $p.PeakWorkingSet64; $result.CpuSeconds = $p.TotalProcessorTime.TotalSeconds'

function Measure-Import([string] $File, [string] $Store, [int] $Alerts, [string] $Format) {
    Remove-Store $Store
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$cpu = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$summary = Import-Alert -LiteralPath '$File' -Store '$Store'
`$seconds = `$clock.Elapsed.TotalSeconds
`$cpu = ([Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - `$cpu).TotalSeconds
`$result = [ordered]@{ Seconds = `$seconds; ImportCpuSeconds = `$cpu; Read = `$summary.Read; Created = `$summary.Created; Updated = `$summary.Updated; Failed = `$summary.Failed
    IncidentsCreated = `$summary.CreatedIncidentIds.Count; IncidentsMerged = `$summary.MergedIncidentIds.Count }
$processFacts
`$result | ConvertTo-Json -Compress
"@
    $r = Invoke-Child "Import-Alert of $File" $script
    if ($r.Failed -gt 0 -or $r.Read -ne $Alerts) { throw "Import-Alert of $File read $($r.Read) of $Alerts records with $($r.Failed) failures: the benchmark's files and readers disagree." }
    [pscustomobject]@{
        Size = $Alerts; Measure = "Import-Alert ($Format)"; Seconds = $r.Seconds; AlertsPerSecond = $Alerts / $r.Seconds
        PeakMB = $r.PeakWorkingSetBytes / 1MB; CpuSeconds = $r.ImportCpuSeconds
        Notes = "$($r.IncidentsCreated) incidents created, $($r.IncidentsMerged) merged; store $([math]::Round((Get-Item -LiteralPath $Store).Length / 1MB)) MB"
    }
}

function Measure-PlainPowerShell([string] $File, [int] $Alerts) {
    # What an admin writes without the tool: parse everything, then group alerts by the users in their evidence.
    $script = @"
`$ErrorActionPreference = 'Stop'
`$cpu = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$byUser = @{}
`$alerts = Get-Content -LiteralPath '$File' | ConvertFrom-Json
foreach (`$alert in `$alerts) {
    foreach (`$evidence in `$alert.evidence) {
        `$account = `$evidence.PSObject.Properties['userAccount']
        if (-not `$account -or -not `$account.Value) { continue }
        `$user = `$account.Value.userPrincipalName
        if (-not `$user) { continue }
        if (-not `$byUser.ContainsKey(`$user)) { `$byUser[`$user] = [Collections.Generic.List[object]]::new() }
        `$byUser[`$user].Add(`$alert)
    }
}
`$result = [ordered]@{ Seconds = `$clock.Elapsed.TotalSeconds; Alerts = @(`$alerts).Count; Users = `$byUser.Count
    ScriptCpuSeconds = ([Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - `$cpu).TotalSeconds }
$processFacts
`$result | ConvertTo-Json -Compress
"@
    $r = Invoke-Child "the plain-PowerShell script on $File" $script
    [pscustomobject]@{
        Size = $Alerts; Measure = 'Plain PowerShell (NDJSON)'; Seconds = $r.Seconds; AlertsPerSecond = $Alerts / $r.Seconds
        PeakMB = $r.PeakWorkingSetBytes / 1MB; CpuSeconds = $r.ScriptCpuSeconds; Notes = "$($r.Users) users grouped; no store"
    }
}

function Measure-Floor([string] $File, [string] $Store, [int] $Alerts) {
    $r = Invoke-BenchTool @('floor', '--file', $File, '--store', $Store)
    [pscustomobject]@{
        Size = $Alerts; Measure = 'Floor (NDJSON)'; Seconds = $r.Seconds; AlertsPerSecond = $r.AlertsPerSecond
        PeakMB = $r.PeakWorkingSetBytes / 1MB; CpuSeconds = $r.CpuSeconds; Notes = "$($r.EvidenceRows) evidence rows; Newtonsoft.Json + prepared inserts"
    }
}

function Measure-Queries([string] $Store, [int] $Alerts) {
    $largest = Invoke-BenchTool @('largest-incident', '--store', $Store)
    # The filtered page needs tags: every 10th incident carries one, as a campaign tag would. Merged (Redirected)
    # incidents among them refuse changes with an error each: that is expected, so those errors are not shown.
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$env:INCIDENTTOOLS_STORE = '$Store'
`$ids = [long[]](10..$($largest.Incidents) | Where-Object { `$_ % 10 -eq 0 })
Set-Incident -Id `$ids -AddTag 'bench-campaign' -Confirm:`$false -ErrorAction SilentlyContinue
`$queries = [ordered]@{
    'Default queue page (Get-Incident -First 50)' = { Get-Incident -First 50 }
    'Filtered page (-Severity High -Status Active -Tag)' = { Get-Incident -Severity High -Status Active -Tag 'bench-campaign' -First 50 }
    'Entity lookup (Get-Incident -Entity <user>)' = { Get-Incident -Entity '$($largest.User)' }
    'Get-IncidentEntity of the largest incident' = { Get-IncidentEntity -IncidentId $($largest.Id) }
}
`$result = [ordered]@{ Queries = @() }
foreach (`$name in `$queries.Keys) {
    `$count = @(& `$queries[`$name]).Count   # warm-up: JIT, statement preparation, page cache
    `$times = foreach (`$i in 1..$QueryRepeat) { `$c = [Diagnostics.Stopwatch]::StartNew(); `$null = & `$queries[`$name]; `$c.Elapsed.TotalMilliseconds }
    `$sorted = @(`$times | Sort-Object)
    `$result.Queries += [ordered]@{ Name = `$name; Milliseconds = `$sorted[[int][math]::Floor(`$sorted.Count / 2)]; Rows = `$count }
}
$processFacts
`$result | ConvertTo-Json -Compress -Depth 4
"@
    $r = Invoke-Child "the queries on $Store" $script
    foreach ($q in $r.Queries) {
        [pscustomobject]@{ Size = $Alerts; Query = $q.Name; Milliseconds = $q.Milliseconds; Rows = $q.Rows; LargestIncidentAlerts = $largest.AlertCount }
    }
}

$machine = [ordered]@{
    Cores = [Environment]::ProcessorCount; OS = [Runtime.InteropServices.RuntimeInformation]::OSDescription
    Runtime = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription; PowerShell = $PSVersionTable.PSVersion.ToString()
    Started = [DateTime]::UtcNow.ToString('o')
}
Write-Host "IncidentTools benchmark: sizes $($Size -join ', '); $($machine.Cores) cores; $($machine.OS)"
$rows = [Collections.Generic.List[object]]::new()
$files = @{}
if (Test-Path $storeDir) { Remove-Item $storeDir -Recurse -Force }
$null = New-Item -ItemType Directory $storeDir
foreach ($n in $Size) {
    Write-Host "[$n] generating (or reusing) files"
    $f = Invoke-BenchTool @('generate', '--size', $n, '--out', $dataDir)
    $files[$n] = $f
    Write-Host ("[$n] files: NDJSON {0:N0} MB, JSON array {1:N0} MB, Sentinel CSV {2:N0} MB ({3})" -f ($f.GraphNdjsonBytes / 1MB), ($f.GraphJsonArrayBytes / 1MB), ($f.SentinelCsvBytes / 1MB), ($f.Reused ? 'reused' : "written in $([math]::Round($f.Seconds, 1)) s"))
    Write-Host "[$n] floor"
    $rows.Add((Measure-Floor $f.GraphNdjson (Join-Path $storeDir "floor-$n.db") $n))
    Remove-Store (Join-Path $storeDir "floor-$n.db")
    Write-Host "[$n] Import-Alert (NDJSON)"
    $rows.Add((Measure-Import $f.GraphNdjson (Join-Path $storeDir "product-$n.db") $n 'NDJSON'))
    Write-Host "[$n] Import-Alert (JSON array)"
    $rows.Add((Measure-Import $f.GraphJsonArray (Join-Path $storeDir "array-$n.db") $n 'JSON array'))
    Remove-Store (Join-Path $storeDir "array-$n.db")
    Write-Host "[$n] Import-Alert (Sentinel CSV)"
    $rows.Add((Measure-Import $f.SentinelCsv (Join-Path $storeDir "csv-$n.db") $n 'Sentinel CSV'))
    Remove-Store (Join-Path $storeDir "csv-$n.db")
    if ($n -le $plainPowerShellLimit) {
        Write-Host "[$n] plain PowerShell"
        $rows.Add((Measure-PlainPowerShell $f.GraphNdjson $n))
    }
}

$querySizes = @($Size[0], $Size[-1] | Select-Object -Unique)
$queryRows = [Collections.Generic.List[object]]::new()
foreach ($n in $querySizes) {
    Write-Host "[$n] queries"
    foreach ($q in Measure-Queries (Join-Path $storeDir "product-$n.db") $n) { $queryRows.Add($q) }
}

# Targets: ratios of this run.
$targets = [Collections.Generic.List[object]]::new()
function Add-Target([string] $Name, [bool] $Holds, [string] $Detail) { $targets.Add([pscustomobject]@{ Target = $Name; Holds = $Holds; Detail = $Detail }) }
function Get-Row([int] $n, [string] $measure) { $rows | Where-Object { $_.Size -eq $n -and $_.Measure -eq $measure } | Select-Object -First 1 }
foreach ($n in $Size) {
    $import = Get-Row $n 'Import-Alert (NDJSON)'
    $floor = Get-Row $n 'Floor (NDJSON)'
    $ratio = $import.AlertsPerSecond / $floor.AlertsPerSecond
    Add-Target "Import-Alert >= half the floor ($n)" ($ratio -ge 0.5) ("{0:N0} vs {1:N0} alerts/s: {2:P0} of the floor ({3:P0} by processor time)" -f $import.AlertsPerSecond, $floor.AlertsPerSecond, $ratio, ($floor.CpuSeconds / $import.CpuSeconds))
    $plain = Get-Row $n 'Plain PowerShell (NDJSON)'
    if ($plain) {
        Add-Target "Import-Alert >= plain PowerShell ($n)" ($import.AlertsPerSecond -ge $plain.AlertsPerSecond) ("{0:N0} vs {1:N0} alerts/s ({2:N1}x by processor time)" -f $import.AlertsPerSecond, $plain.AlertsPerSecond, ($plain.CpuSeconds / $import.CpuSeconds))
    }
}
for ($i = 1; $i -lt $Size.Count; $i++) {
    $small = Get-Row $Size[$i - 1] 'Import-Alert (NDJSON)'; $big = Get-Row $Size[$i] 'Import-Alert (NDJSON)'
    $growth = $Size[$i] / $Size[$i - 1]
    $timeRatio = $big.Seconds / $small.Seconds
    Add-Target "$($growth)x the alerts takes <= $([math]::Round($growth * 1.1, 1))x the time ($($Size[$i - 1]) -> $($Size[$i]))" ($timeRatio -le $growth * 1.1) ("{0:N1}x the time" -f $timeRatio)
}
if ($Size.Count -gt 1) {
    $first = $Size[0]; $last = $Size[-1]
    foreach ($format in 'NDJSON', 'JSON array', 'Sentinel CSV') {
        $a = Get-Row $first "Import-Alert ($format)"; $b = Get-Row $last "Import-Alert ($format)"
        $fileMB = ($format -eq 'NDJSON' ? $files[$last].GraphNdjsonBytes : $format -eq 'JSON array' ? $files[$last].GraphJsonArrayBytes : $files[$last].SentinelCsvBytes) / 1MB
        # Flat: the larger file's peak stays within a quarter of the smaller's, and under 300 MB.
        Add-Target "Peak memory flat as the file grows ($format)" ($b.PeakMB -le 300 -and $b.PeakMB -le $a.PeakMB * 1.25) ("{0:N0} MB at {1:N0} alerts, {2:N0} MB at {3:N0} alerts ({4:N0} MB file)" -f $a.PeakMB, $first, $b.PeakMB, $last, $fileMB)
    }
    foreach ($q in ($queryRows | Where-Object Size -eq $first)) {
        $b = $queryRows | Where-Object { $_.Size -eq $last -and $_.Query -eq $q.Query }
        Add-Target "$($q.Query): largest store within 2x the $first store" ($b.Milliseconds -le 2 * $q.Milliseconds) ("{0:N1} ms vs {1:N1} ms" -f $b.Milliseconds, $q.Milliseconds)
    }
}

Write-Host ''
Write-Host 'Import (wall-clock and processor seconds of the measured work alone; peak = the whole process''s peak working set)'
$rows | Format-Table Size, Measure, @{ n = 'Seconds'; e = { '{0:N2}' -f $_.Seconds }; a = 'right' }, @{ n = 'CPU s'; e = { '{0:N2}' -f $_.CpuSeconds }; a = 'right' },
    @{ n = 'Alerts/s'; e = { '{0:N0}' -f $_.AlertsPerSecond }; a = 'right' }, @{ n = 'Peak MB'; e = { '{0:N0}' -f $_.PeakMB }; a = 'right' }, Notes -AutoSize |
    Out-String -Width 200 | Write-Host
Write-Host "Queries through the cmdlets (median of $QueryRepeat after a warm-up)"
$queryRows | Format-Table Size, Query, @{ n = 'ms'; e = { '{0:N1}' -f $_.Milliseconds }; a = 'right' }, Rows, @{ n = 'Largest incident'; e = { "$($_.LargestIncidentAlerts) alerts" } } -AutoSize |
    Out-String -Width 200 | Write-Host
Write-Host 'Targets'
$targets | Format-Table @{ n = 'Holds'; e = { $_.Holds ? 'yes' : 'NO' } }, Target, Detail -AutoSize | Out-String -Width 200 | Write-Host

$resultPath = Join-Path $OutputPath 'results.json'
[ordered]@{ Machine = $machine; Sizes = $Size; Files = @($Size | ForEach-Object { $files[$_] }); Imports = $rows; Queries = $queryRows; Targets = $targets } |
    ConvertTo-Json -Depth 5 | Set-Content -Path $resultPath
Write-Host "Results written to $resultPath"
# Figures are reported, not asserted: the exit code says only whether the benchmark ran.
