# Loads the binary module through its own AssemblyLoadContext (see src/IncidentTools.Loader), so the engine's
# dependencies never clash with other versions already loaded in the session, and the native SQLite library
# is resolved from runtimes/<rid>/native.
$importModule = Get-Command -Name Import-Module -Module Microsoft.PowerShell.Core
$isReload = $true
if (-not ('IncidentTools.Loader.ModuleLoadContext' -as [type])) {
    $isReload = $false
    Add-Type -Path (Join-Path $PSScriptRoot 'IncidentTools.Loader.dll')
}
$cmdletAssembly = [IncidentTools.Loader.ModuleLoadContext]::LoadCmdletAssembly((Join-Path $PSScriptRoot 'IncidentTools.dll'))
$innerModule = & $importModule -Assembly $cmdletAssembly -PassThru:$isReload
# The engine's public types (IncidentTools.Incident, ...) become nameable as type literals once PowerShell
# knows their assembly; importing it as an assembly module adds no commands.
$engineAssembly = [IncidentTools.Loader.ModuleLoadContext]::LoadCmdletAssembly((Join-Path $PSScriptRoot 'IncidentTools.Engine.dll'))
$null = & $importModule -Assembly $engineAssembly

if ($innerModule) {
    # A second `Import-Module IncidentTools -Force` picks up the cached assembly module without exporting its
    # cmdlets to this module (https://github.com/PowerShell/PowerShell/issues/20710): export them by hand.
    $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod('AddExportedCmdlet', [System.Reflection.BindingFlags]'Instance, NonPublic')
    foreach ($cmd in $innerModule.ExportedCmdlets.Values) {
        $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $cmd))
    }
}
