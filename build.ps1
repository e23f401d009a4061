#Requires -Version 7.6
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages IncidentTools.
.DESCRIPTION
    Tasks:
      Build    lays the module out in out/IncidentTools (manifest, assemblies, runtimes/<rid>/native, formats, help)
      Test     Build, then every xunit and Pester test; prints "N passed, N failed[, N skipped]"
      Demo     Build, then imports the bundled samples/ into a fresh store and shows the incident queue
      Package  Build, then out/package/IncidentTools.<version>.nupkg through Publish-PSResource (gallery-ready)
      Bench    Build, then the benchmark (bench/Invoke-Bench.ps1) at -Size alerts: prints the figures and targets,
               writes out/bench/results.json; generated files in out/bench/data are reused
      Clean    removes out/ and every bin/ and obj/
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
.EXAMPLE
    dotnet pwsh -c './build.ps1 -Task Bench -Size 10000, 100000, 1000000'   (-c: pwsh -File passes '10000,100000' as one string)
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Bench', 'Clean')]
    [string[]] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # Bench: numbers of alerts to measure at (1M needs about 32 GB of free disk).
    [int[]] $Size = @(10000, 100000)
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'IncidentTools'
# Under `dotnet pwsh` the process is dotnet: child shells start from $PSHOME.
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

function Invoke-Native([string] $what, [scriptblock] $command) {
    & $command
    if ($LASTEXITCODE -ne 0) { throw "$what failed (exit code $LASTEXITCODE)." }
}

function Get-ModuleVersion {
    # One source of truth: <Version> in Directory.Build.props.
    ([xml](Get-Content -Raw (Join-Path $root 'Directory.Build.props'))).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
}

function Get-ReleaseNotes([string] $version) {
    # The manifest's release notes are this version's CHANGELOG section, so the gallery shows what changed.
    $changelog = Get-Content -Raw (Join-Path $root 'CHANGELOG.md')
    $section = [regex]::Match($changelog, "(?ms)^## \[$([regex]::Escape($version))\][^\n]*\n(.*?)(?=^## \[|\z)")
    if (-not $section.Success) { throw "CHANGELOG.md has no section for version $version." }
    $section.Groups[1].Value.Trim()
}

function Invoke-Build {
    $version = Get-ModuleVersion
    Write-Host "Building IncidentTools $version ($Configuration)"
    $publish = Join-Path $out 'publish'
    Invoke-Native 'dotnet publish' { dotnet publish (Join-Path $root 'src/IncidentTools/IncidentTools.csproj') -c $Configuration -o $publish --nologo -v quiet }
    Invoke-Native 'dotnet build (loader)' { dotnet build (Join-Path $root 'src/IncidentTools.Loader/IncidentTools.Loader.csproj') -c $Configuration --nologo -v quiet -o (Join-Path $out 'loader') }

    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    New-Item -ItemType Directory $moduleOut | Out-Null
    Copy-Item (Join-Path $publish '*') $moduleOut -Recurse
    # pwsh brings its own System.Management.Automation; a copy beside the module would only confuse.
    Get-ChildItem $moduleOut -Filter 'System.Management.Automation*' | Remove-Item -Force
    Copy-Item (Join-Path $out 'loader/IncidentTools.Loader.dll') $moduleOut
    Copy-Item (Join-Path $root 'IncidentTools.psm1') $moduleOut
    Copy-Item (Join-Path $root 'src/IncidentTools/IncidentTools.Format.ps1xml') $moduleOut
    Copy-Item (Join-Path $root 'LICENSE') $moduleOut
    $manifest = Get-Content -Raw (Join-Path $root 'IncidentTools.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$version'"
    $notes = (Get-ReleaseNotes $version) -replace "'", "''"
    $manifest = $manifest -replace "ReleaseNotes\s*=\s*'[^']*'", "ReleaseNotes = '$notes'"
    Set-Content -Path (Join-Path $moduleOut 'IncidentTools.psd1') -Value $manifest -NoNewline
    $helpBuilder = Join-Path $root 'build/New-MamlHelp.ps1'
    if (Test-Path $helpBuilder) {
        # In a child process so that loading the module to read its metadata locks nothing here.
        Invoke-Native 'help build' { & $pwsh -NoProfile -NonInteractive -File $helpBuilder -ModulePath $moduleOut -DocsPath (Join-Path $root 'docs/en-US') }
    }
    Write-Host "Module laid out in $moduleOut"
}

function Get-PesterModulePath {
    Invoke-Native 'restore of test tools (Pester)' { dotnet restore (Join-Path $root 'build/TestTools.csproj') --nologo -v quiet }
    $version = (([xml](Get-Content -Raw (Join-Path $root "build/TestTools.csproj"))).Project.ItemGroup.PackageDownload | Where-Object Include -eq "Pester").Version.Trim("[", "]")
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $path = Join-Path $packages "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $path)) { throw "Pester $version was not found at $path after restore." }
    $path
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory $results | Out-Null

    Write-Host 'xunit: engine tests'
    dotnet test (Join-Path $root 'tests/units/IncidentTools.Engine.Tests.csproj') -c $Configuration --nologo `
        --logger "trx;LogFileName=units.trx" --results-directory $results
    $trx = Get-ChildItem $results -Filter '*.trx' -Recurse | Select-Object -First 1
    $xunit = @{ Passed = 0; Failed = 0; Skipped = 0 }
    if ($trx) {
        # Count the results themselves: the summary counters leave skipped tests out.
        $outcomes = ([xml](Get-Content -Raw $trx.FullName)).TestRun.Results.UnitTestResult | Group-Object outcome -AsHashTable -AsString
        $count = { param($name) if ($outcomes -and $outcomes.ContainsKey($name)) { $outcomes[$name].Count } else { 0 } }
        $xunit.Passed = & $count 'Passed'
        $xunit.Skipped = & $count 'NotExecuted'
        $xunit.Failed = [int](@($outcomes.Keys | Where-Object { $_ -notin 'Passed', 'NotExecuted' } | ForEach-Object { $outcomes[$_].Count }) | Measure-Object -Sum | Select-Object -ExpandProperty Sum)
    }
    else { $xunit.Failed = 1; Write-Warning 'xunit produced no results (build or run failure).' }

    Write-Host 'Pester: cmdlet tests, in a fresh pwsh that imports the module from out/'
    $pester = Get-PesterModulePath
    $pesterResult = Join-Path $results 'pester.json'
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester'
`$config = New-PesterConfiguration
`$config.Run.Path = '$(Join-Path $root 'tests/pester')'
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Detailed'
`$env:INCIDENTTOOLS_MODULE = '$(Join-Path $moduleOut 'IncidentTools.psd1')'
`$r = Invoke-Pester -Configuration `$config
@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount } | ConvertTo-Json | Set-Content '$pesterResult'
"@
    & $pwsh -NoProfile -NonInteractive -Command $script
    $p = if (Test-Path $pesterResult) { Get-Content -Raw $pesterResult | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    $passed = $xunit.Passed + $p.Passed
    $failed = $xunit.Failed + $p.Failed
    $skipped = $xunit.Skipped + $p.Skipped
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped; Pester: $($p.Passed) passed, $($p.Failed) failed, $($p.Skipped) skipped"
    $line = "$passed passed, $failed failed" + ($skipped -gt 0 ? ", $skipped skipped" : '')
    Write-Host $line
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $store = Join-Path ([IO.Path]::GetTempPath()) "incidenttools-demo-$PID.db"
    Write-Host "Importing the bundled samples/ into a fresh store: $store"
    $script = @"
Import-Module '$(Join-Path $moduleOut 'IncidentTools.psd1')'
`$env:INCIDENTTOOLS_STORE = '$store'
Import-Alert -Path '$(Join-Path $root 'samples')/*.json' | Format-List
Write-Host 'The incident queue (Get-Incident):'
Get-Incident | Out-String -Width 120
`$top = Get-Incident -SortBy Priority -First 1
Write-Host "Alerts of the highest-priority incident (#`$(`$top.Id)):"
`$top | Get-IncidentAlert | Out-String -Width 120
Write-Host 'Its devices, users and files (Get-IncidentEntity -Type Device, User, File):'
`$top | Get-IncidentEntity -Type Device, User, File | Out-String -Width 120
"@
    try { Invoke-Native 'demo' { & $pwsh -NoProfile -NonInteractive -Command $script } }
    finally { Remove-Item "$store*" -Force -ErrorAction SilentlyContinue }
}

function Invoke-Package {
    Invoke-Build
    # In a child process: the packaging script points PSResourceGet's settings at a temporary folder.
    Invoke-Native 'package' { & $pwsh -NoProfile -NonInteractive -File (Join-Path $root 'build/New-ModulePackage.ps1') -ModulePath $moduleOut -OutputPath (Join-Path $out 'package') }
}

function Invoke-Bench {
    Invoke-Build
    $tool = Join-Path $out 'bench-tool'
    Invoke-Native 'dotnet build (bench tool)' { dotnet build (Join-Path $root 'bench/IncidentTools.Bench/IncidentTools.Bench.csproj') -c $Configuration --nologo -v quiet -o $tool }
    & (Join-Path $root 'bench/Invoke-Bench.ps1') -Size $Size -ModulePath (Join-Path $moduleOut 'IncidentTools.psd1') `
        -BenchTool (Join-Path $tool 'IncidentTools.Bench.dll') -OutputPath (Join-Path $out 'bench')
}

function Invoke-Clean {
    if (Test-Path $out) { Remove-Item $out -Recurse -Force }
    Get-ChildItem $root -Directory -Recurse -Include bin, obj | Where-Object FullName -NotMatch '[\\/]\.git[\\/]' | Remove-Item -Recurse -Force
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Package' { Invoke-Package }
        'Bench' { Invoke-Bench }
        'Clean' { Invoke-Clean }
    }
}
