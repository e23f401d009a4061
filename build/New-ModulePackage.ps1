#Requires -Version 7.6
<#
.SYNOPSIS
    Packs the laid-out module into the .nupkg a PowerShell gallery accepts, with PowerShell's own Publish-PSResource.
.DESCRIPTION
    Publish-PSResource validates the manifest and writes IncidentTools.<version>.nupkg to a repository; here the
    repository is a local folder, -OutputPath. It is registered under a temporary data folder (XDG_DATA_HOME /
    LOCALAPPDATA point there for this process), so no repository registration is left behind in the user's
    PSResourceGet settings. Run it in a child pwsh: it changes those variables for its own process only.
.EXAMPLE
    pwsh -NoProfile -File build/New-ModulePackage.ps1 -ModulePath out/IncidentTools -OutputPath out/package
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ModulePath = (Resolve-Path $ModulePath).Path
New-Item -ItemType Directory $OutputPath -Force | Out-Null
$OutputPath = (Resolve-Path $OutputPath).Path
$settings = Join-Path ([IO.Path]::GetTempPath()) ("incidenttools-psresourceget-" + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory $settings | Out-Null
$env:XDG_DATA_HOME = $settings   # Linux, macOS: where PSResourceGet keeps its repository list
$env:LOCALAPPDATA = $settings    # Windows
try {
    $repository = 'IncidentToolsPackage'
    Register-PSResourceRepository -Name $repository -Uri $OutputPath -Trusted
    $manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'IncidentTools.psd1')
    $package = Join-Path $OutputPath "IncidentTools.$($manifest.ModuleVersion).nupkg"
    if (Test-Path $package) { Remove-Item $package -Force }
    Publish-PSResource -Path $ModulePath -Repository $repository
    if (-not (Test-Path $package)) { throw "Publish-PSResource wrote no $package." }
    Get-Item $package
}
finally {
    Remove-Item $settings -Recurse -Force -ErrorAction SilentlyContinue
}
