# Issue 7: undoing an import, purging old data, and hostile text through every cmdlet filter.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'StoreTestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'Remove-Alert undoes a wrong import' {
    BeforeAll {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        $good = Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json')
        $file = Join-Path (New-TestFolder) 'wrong.ndjson'
        New-GraphAlertNdjson -Path $file -Count 10 -Prefix wrong
        $before = Get-Incident | Sort-Object Id | ForEach-Object { "$($_.Id) $($_.AlertCount) $($_.Severity)" }
    }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'previews with -WhatIf, then removes exactly what the import added when its summary is piped in' {
        $wrong = Import-Alert -Path $file
        $wrong.IncidentsCreated | Should -Be 2
        $wrong | Remove-Alert -WhatIf
        (Get-IncidentAlert -AlertId 'wrong-*').Count | Should -Be 10
        $result = $wrong | Remove-Alert -PassThru -Confirm:$false
        $result.AlertsRemoved | Should -Be 10
        $result.RemovedIncidentIds | Should -Be $wrong.CreatedIncidentIds
        Get-IncidentAlert -AlertId 'wrong-*' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-Incident | Sort-Object Id | ForEach-Object { "$($_.Id) $($_.AlertCount) $($_.Severity)" } | Should -Be $before
        (Get-IncidentHistory -IncidentId $wrong.CreatedIncidentIds[0])[-1].Action | Should -Be 'Removed'
    }

    It 'lets the same file be imported again afterwards' {
        (Import-Alert -Path $file).Created | Should -Be 10
    }

    It 'reports an unknown import as an error naming it' {
        Remove-Alert -ImportId 'no-such-import' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ImportNotFound,IncidentTools.Commands.RemoveAlertCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'no-such-import'
    }
}

Describe 'Remove-Alert and Remove-Incident purge old data' {
    BeforeEach {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') | Out-Null
    }
    AfterEach { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'removes alerts piped from Get-IncidentAlert and recomputes their incident, recording who and why' {
        $incident = Get-Incident -Id 1
        $first = Get-IncidentAlert -IncidentId 1 | Select-Object -First 1
        $first | Remove-Alert
        $after = Get-Incident -Id 1
        $after.AlertCount | Should -Be ($incident.AlertCount - 1)
        $after.Version | Should -BeGreaterThan $incident.Version
        $entry = Get-IncidentHistory -IncidentId 1 | Where-Object Action -eq 'AlertRemoved'
        $entry.OldValue | Should -Be $first.Id
        $entry.Actor | Should -Be ([Environment]::UserName)
    }

    It 'purges alerts before a date and removes the incidents left empty' {
        $cut = [datetimeoffset]'2026-11-10T00:00:00Z'
        $old = @(Get-IncidentAlert -AlertId '*' | Where-Object { $_.LastActivityDateTime -lt $cut })
        $old.Count | Should -BeGreaterThan 0
        $result = Remove-Alert -Before $cut.UtcDateTime -PassThru
        $result.AlertsRemoved | Should -Be $old.Count
        Get-IncidentAlert -AlertId '*' | Where-Object { $_.LastActivityDateTime -lt $cut } | Should -BeNullOrEmpty
        Get-Incident | Where-Object { $_.Status -ne 'Redirected' -and $_.AlertCount -eq 0 } | Should -BeNullOrEmpty
        Invoke-StoreSql $env:INCIDENTTOOLS_STORE 'SELECT count(*) FROM entities e WHERE NOT EXISTS (SELECT 1 FROM alert_entities ae WHERE ae.entity_id = e.id)' | Should -Be 0
    }

    It 'removes piped resolved incidents with their alerts, and merged incidents with their survivor' {
        Set-Incident -Id 1, 4 -Status Resolved
        $resolved = Get-Incident -Status Resolved
        $alerts = ($resolved | Measure-Object AlertCount -Sum).Sum
        $result = Get-Incident -Status Resolved | Remove-Incident -PassThru
        $result.AlertsRemoved | Should -Be $alerts
        $result.RemovedIncidentIds | Should -Be @(1, 2, 4) -Because 'incident 2 was merged into 1'
        Get-Incident -Id 1, 2, 4 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Get-IncidentHistory -IncidentId 1)[-1].Action | Should -Be 'Removed'
        Get-Incident -Id 3 | Should -Not -BeNullOrEmpty
    }

    It 'purges incidents before a date; -WhatIf removes nothing; an unknown incident is an error' {
        $count = (Get-Incident).Count
        Remove-Incident -Before '2030-01-01' -WhatIf
        (Get-Incident).Count | Should -Be $count
        Remove-Incident -Before '2030-01-01' -Confirm:$false
        Get-Incident | Should -BeNullOrEmpty
        Invoke-StoreSql $env:INCIDENTTOOLS_STORE 'SELECT count(*) FROM alerts' | Should -Be 0
        Remove-Incident -IncidentId 42 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'IncidentNotFound,IncidentTools.Commands.RemoveIncidentCommand'
    }

    It 'never prompts in a non-interactive job' {
        $r = Invoke-FreshPwsh @"
Import-Module '$ModuleManifest'
Remove-Incident -Store '$($env:INCIDENTTOOLS_STORE)' -IncidentId 4 -ErrorAction Stop
(Get-Incident -Store '$($env:INCIDENTTOOLS_STORE)' -Id 4 -ErrorAction SilentlyContinue) -eq `$null
"@
        $r.ExitCode | Should -Be 0
        $r.Output[-1] | Should -Be 'True'
    }
}

Describe 'Hostile text through every cmdlet filter, entity lookup and tag' {
    BeforeAll {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') | Out-Null
        $hostile = @("a_b", "a%b", "O'Brien", 'say "hi"', "x'; DROP TABLE incidents; --", "/* c */", "-- c", "semi;colon", "%", "_")
        $live = @(Get-Incident -Status Active | Sort-Object Id)
        for ($i = 0; $i -lt $hostile.Count; $i++) { Set-Incident -Id $live[$i % $live.Count].Id -AddTag $hostile[$i] }
        Set-Incident -Id $live[2].Id -AddTag 'axb' -AssignedTo "O'Brien"
    }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'matches each tag literally: <_>' -ForEach @("a_b", "a%b", "O'Brien", 'say "hi"', "x'; DROP TABLE incidents; --", "/* c */", "-- c", "semi;colon", "%", "_") {
        $tagged = @(Get-Incident -Tag $_)
        $tagged.Count | Should -Be 1
        $tagged[0].Tags | Should -Contain $_
    }

    It 'keeps SQL wildcards literal and PowerShell wildcards meaningful' {
        (Get-Incident -Tag 'a_b').Id | Should -Be $live[0].Id -Because "the tag axb is on incident $($live[2].Id)"
        (Get-Incident -Tag 'a%b').Id | Should -Be $live[1].Id
        (Get-Incident -Tag 'a?b' -SortBy Id -Ascending).Id | Should -Be @($live[0].Id, $live[1].Id, $live[2].Id)
        (Get-Incident -Tag 'a`?b') | Should -BeNullOrEmpty
        (Get-Incident -AssignedTo "o'brien").AssignedTo | Should -Be "O'Brien"
    }

    It 'returns nothing, and changes nothing, for hostile values in every other filter and lookup' {
        $count = (Get-Incident).Count
        foreach ($h in "x'; DROP TABLE incidents; --", "' OR '1'='1", '%', '_', '/*', '--', ';') {
            Get-Incident -TenantId $h | Should -BeNullOrEmpty
            Get-Incident -ServiceSource $h | Should -BeNullOrEmpty
            Get-Incident -DetectionSource $h | Should -BeNullOrEmpty
            Get-Incident -Category $h | Should -BeNullOrEmpty
            Get-Incident -Entity $h | Should -BeNullOrEmpty
            Get-IncidentEntity -Name $h | Should -BeNullOrEmpty
            Get-IncidentAlert -AlertId $h -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        (Get-Incident).Count | Should -Be $count
    }

    It 'refuses a broken wildcard set when binding, naming the parameter' {
        { Get-Incident -Entity 'ws01[' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,IncidentTools.Commands.GetIncidentCommand'
        { Get-Incident -Entity 'ws01[' } | Should -Throw '*Entity*ws01*'
        (Get-Incident -Entity 'ws01`[').Count | Should -Be 0
    }
}
