# Shared by every *.Tests.ps1: where the module, samples and shared data are, and fresh stores.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModuleManifest = if ($env:INCIDENTTOOLS_MODULE) { $env:INCIDENTTOOLS_MODULE } else { Join-Path $RepoRoot 'out/IncidentTools/IncidentTools.psd1' }
$script:Samples = Join-Path $RepoRoot 'samples'
$script:SharedData = if ($env:INCIDENTTOOLS_SHARED_DATA) { $env:INCIDENTTOOLS_SHARED_DATA } else { Join-Path $RepoRoot '../shared/data' }
$script:HasSharedData = Test-Path (Join-Path $SharedData 'ms-graph-security-alerts-v2')
# Under `dotnet pwsh` the process is dotnet: child shells start from $PSHOME.
$script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

function New-TestStore {
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("it-test-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory $dir | Out-Null
    Join-Path $dir 'incidents.db'
}

function New-TestFolder {
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("it-files-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory $dir | Out-Null
    $dir
}

# Runs a script in a fresh `pwsh -NoProfile -NonInteractive` and returns its output lines and exit code.
function Invoke-FreshPwsh([string] $Script) {
    $file = Join-Path ([IO.Path]::GetTempPath()) ("it-child-" + [guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -Path $file -Value $Script
    try {
        $output = @(& $Pwsh -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" })
        [pscustomobject]@{ Output = $output; ExitCode = $LASTEXITCODE }
    }
    finally { Remove-Item $file -Force }
}
