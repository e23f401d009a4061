BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'The laid-out module' {
    It 'imports in a fresh pwsh -NoProfile and opens SQLite (native library found)' {
        $store = New-TestStore
        $r = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModuleManifest'
`$s = Import-Alert -Path '$Samples/contoso-graph-alerts.json' -Store '$store'
"created=`$(`$s.Created)"
(Get-Command -Module IncidentTools).Name -join ','
"@
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Contain 'created=11'
        $r.Output[-1] | Should -Match 'Import-Alert'
    }

    It 'exports exactly the cmdlets the manifest names' {
        $manifest = Import-PowerShellDataFile $ModuleManifest
        Import-Module $ModuleManifest -Force
        (Get-Command -Module IncidentTools).Name | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        $manifest.CompatiblePSEditions | Should -Be 'Core'
        $manifest.PowerShellVersion | Should -Be '7.6'
    }

    It 'keeps working in a session that already loaded other versions of its dependencies' {
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
        $sqlite = Join-Path $packages 'microsoft.data.sqlite.core/8.0.30/lib/net8.0/Microsoft.Data.Sqlite.dll'
        $pcl = Join-Path $packages 'sqlitepclraw.core/2.0.6/lib/netstandard2.0/SQLitePCLRaw.core.dll'
        $json = Join-Path $packages 'newtonsoft.json/12.0.3/lib/netstandard2.0/Newtonsoft.Json.dll'
        foreach ($f in $sqlite, $pcl, $json) { $f | Should -Exist }
        $store = New-TestStore
        $r = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$pcl', '$sqlite', '$json'
Import-Module '$ModuleManifest'
`$s = Import-Alert -Path '$Samples/contoso-graph-alerts.json' -Store '$store'
"created=`$(`$s.Created)"
"incidents=`$((Get-Incident -Store '$store').Count)"
"sessionSqlite=`$([Microsoft.Data.Sqlite.SqliteConnection].Assembly.GetName().Version)"
"incidentType=`$([IncidentTools.Incident].FullName)"
"@
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output | Should -Contain 'created=11'
        $r.Output | Should -Contain 'incidents=7'
        $r.Output | Should -Contain 'sessionSqlite=8.0.30.0'
        $r.Output | Should -Contain 'incidentType=IncidentTools.Incident'
    }

    It 'ships the native SQLite library for every runtime of the SQLite package' {
        $runtimes = Join-Path (Split-Path $ModuleManifest) 'runtimes'
        foreach ($rid in 'linux-x64', 'linux-arm64', 'linux-musl-x64', 'osx-arm64', 'osx-x64', 'win-x64', 'win-arm64', 'win-x86') {
            Get-ChildItem (Join-Path $runtimes "$rid/native") -Filter '*e_sqlite3*' | Should -Not -BeNullOrEmpty -Because "runtimes/$rid/native must hold e_sqlite3"
        }
    }
}
