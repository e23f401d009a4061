# Loads the binary module through its own AssemblyLoadContext (see src/IncidentTools.Loader), so the engine's
# dependencies never clash with other versions already loaded in the session, and the native SQLite library
# is resolved from runtimes/<rid>/native.
$loaderType = 'IncidentTools.Loader.ModuleLoadContext' -as [type]
if (-not $loaderType) {
    Add-Type -Path (Join-Path $PSScriptRoot 'IncidentTools.Loader.dll')
}
$cmdletAssembly = [IncidentTools.Loader.ModuleLoadContext]::LoadCmdletAssembly((Join-Path $PSScriptRoot 'IncidentTools.dll'))
Import-Module -Assembly $cmdletAssembly -Force
