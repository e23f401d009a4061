BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:skipShared = -not $HasSharedData
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

# Expected counts come from reading the files by hand (see ../shared/data/SOURCES.md):
# - alerts_v2 docs list: 1 alert (device tempDns, file MsSense.exe, its process, SYSTEM, a registry key;
#   the process's parent image services.exe has no hash and is a second, path-keyed file);
# - demisto single alert: 1 alert without evidence;
# - docs incident with $expand=alerts: 1 incident whose only alert is the docs alert again (one alert, updated);
# - demisto incident list: 2 incidents without alerts (counted as skipped, not created).
Describe 'Importing the real Graph samples in ../shared/data' -Skip:$skipShared {
    BeforeAll {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        $summary = Import-Alert -Path (Join-Path $SharedData 'ms-graph-security-alerts-v2/*.json'), (Join-Path $SharedData 'ms-graph-security-incidents/*.json')
    }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'reads every record and stores two alerts' {
        $summary.Files | Should -Be 4
        $summary.Read | Should -Be 5
        $summary.Created | Should -Be 2
        $summary.Updated | Should -Be 1
        $summary.Skipped | Should -Be 2
        $summary.Failed | Should -Be 0
        @(Get-IncidentAlert -AlertId '*').Count | Should -Be 2
    }

    It 'makes two incidents' {
        @(Get-Incident).Count | Should -Be 2
        $summary.IncidentsCreated | Should -Be 2
    }

    It 'finds the docs alert''s incident by its device and lists its entities' {
        $inc = Get-Incident -Entity tempdns
        @($inc).Count | Should -Be 1
        $inc.DisplayName | Should -Be 'Suspicious execution of hidden file on one endpoint'
        $inc.Severity | Should -Be 'Low'
        $entities = $inc | Get-IncidentEntity
        ($entities.Type | ForEach-Object ToString | Sort-Object) -join ',' | Should -Be 'Device,File,File,Process,RegistryKey,User'
        ($entities | Where-Object Type -eq Device).Key | Should -Be '73e7e2de709dff64ef64b1d0c30e67fab63279db'
        ($entities | Where-Object Name -eq 'MsSense.exe' | Where-Object Type -eq File).Key | Should -Be '8963a19fb992ad9a76576c5638fd68292cffb9aaac29eb8285f9abf6196a7dec'
        ($entities | Where-Object Type -eq User).Key | Should -Be 'S-1-5-18'
        $inc.UserCount | Should -Be 0 -Because 'SYSTEM is not an impacted user'
    }

    It 'keeps the alert without evidence as its own informational incident' {
        $inc = Get-Incident -Severity Informational
        $inc.DisplayName | Should -Be 'Automated'
        ($inc | Get-IncidentAlert).ProviderContext['ProviderIncidentId'] | Should -Be 'incidentId'
    }
}
