BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'Pipeline manners of every cmdlet' {
    It 'declares [OutputType] on every cmdlet and -WhatIf/-Confirm on every one that changes state' {
        foreach ($command in Get-Command -Module IncidentTools) {
            $command.OutputType | Should -Not -BeNullOrEmpty -Because "$($command.Name) must say what it writes"
            if ($command.Verb -ne 'Get') {
                $command.Parameters.Keys | Should -Contain 'WhatIf' -Because "$($command.Name) changes state"
                $command.Parameters.Keys | Should -Contain 'Confirm' -Because "$($command.Name) changes state"
            }
        }
    }
}

Describe 'Ids bind by property name across cmdlets' {
    BeforeAll {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') | Out-Null
    }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'gives the incident of piped alerts, entities, comments and history entries, each incident once' {
        (Get-IncidentAlert -IncidentId 1 | Get-Incident).Id | Should -Be 1 -Because 'four alerts of incident 1 name it once'
        (Get-IncidentEntity -IncidentId 3 | Get-Incident).Id | Should -Be 3
        (Get-IncidentHistory -IncidentId 3 | Get-Incident).Id | Should -Be 3
        (Add-IncidentComment -IncidentId 5 -Comment 'seen' | Get-Incident).Id | Should -Be 5
        (Get-IncidentAlert -AlertId ct0005, ct0008 | Get-Incident).Id | Sort-Object | Should -Be @(3, 7)
    }

    It 'chains incidents into alerts, entities, comments and history' {
        (Get-Incident -Id 3 | Get-IncidentAlert).ProviderAlertId | Should -Be @('ct0005', 'ct0006')
        (Get-Incident -Id 3 | Get-IncidentEntity -Type Device).Name | Sort-Object | Should -Be @('db02.contoso.local', 'srv03.contoso.local')
        (Get-Incident -Id 5 | Get-IncidentComment).Comment | Should -Be 'seen'
        (Get-Incident -Id 3 | Get-IncidentHistory).Action | Should -Contain 'Created'
        (Get-IncidentAlert -AlertId ct0005 | Get-IncidentAlert).ProviderAlertId | Should -Be @('ct0005', 'ct0006') -Because 'an alert names its incident'
    }

    It 'gives the entities of piped alerts only, not of their whole incident' {
        $e = Get-IncidentAlert -AlertId ct0005 | Get-IncidentEntity
        $e.Name | Sort-Object | Should -Be @('bob@contoso.com', 'db02.contoso.local')
        $devices = Get-IncidentAlert -AlertId ct0005, ct0006 | Get-IncidentEntity -Type Device
        $devices.Name | Sort-Object | Should -Be @('db02.contoso.local', 'srv03.contoso.local') -Because 'an entity of two piped alerts is listed once'
        ($devices | Where-Object Name -eq 'db02.contoso.local').AlertCount | Should -Be 2
    }

    It 'changes and comments the incident of piped alerts once each' {
        Get-IncidentAlert -IncidentId 1 | Set-Incident -AddTag 'from-alerts' -Status InProgress
        (Get-Incident -Id 1).Tags | Should -Be 'from-alerts'
        @(Get-IncidentHistory -IncidentId 1 | Where-Object Field -eq 'Status').Count | Should -Be 1
        Get-IncidentAlert -IncidentId 1 | Add-IncidentComment -Comment 'one comment for four alerts' | Out-Null
        @(Get-IncidentComment -IncidentId 1).Count | Should -Be 1
    }

    It 'changes nothing under -WhatIf, for every command that changes state' {
        $before = Get-Incident -Id 4 | ConvertTo-Json -Depth 5
        Set-Incident -Id 4 -Status Resolved -WhatIf
        Add-IncidentComment -IncidentId 4 -Comment 'not added' -WhatIf | Should -BeNullOrEmpty
        Import-Alert -Path (Join-Path $Samples 'graph_docs_v1_list_alerts_v2_response.json') -WhatIf | Should -BeNullOrEmpty
        Get-Incident -Id 4 | ConvertTo-Json -Depth 5 | Should -Be $before
        Get-IncidentComment -IncidentId 4 | Should -BeNullOrEmpty
        @(Get-Incident).Count | Should -Be 7
    }
}

Describe 'Errors' {
    BeforeEach {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') | Out-Null
    }
    AfterEach { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'reports a missing file the same way for -Path and -LiteralPath, naming it, and writes no summary' {
        $missing = Join-Path (New-TestFolder) 'no-such-export.json'
        foreach ($call in { Import-Alert -Path $missing -ErrorVariable e -ErrorAction SilentlyContinue },
                          { Import-Alert -LiteralPath $missing -ErrorVariable e -ErrorAction SilentlyContinue }) {
            $out = . $call
            $out | Should -BeNullOrEmpty -Because 'nothing was imported, so there is nothing to summarise'
            $e.Count | Should -Be 1
            $e[0].FullyQualifiedErrorId | Should -Match '^PathNotFound,'
            $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e[0].TargetObject | Should -Be $missing
            $e[0].Exception.Message | Should -Be "Cannot find path '$missing' because it does not exist."
        }
    }

    It 'still imports and summarises the files that exist when one is missing' {
        $s = Import-Alert -Path (Join-Path $Samples 'graph_docs_v1_list_alerts_v2_response.json'), '/no/such/file.json' -ErrorVariable e -ErrorAction SilentlyContinue
        $s.Created | Should -Be 1
        $e.Count | Should -Be 1
    }

    It 'refuses a path of another provider' {
        Import-Alert -Path 'Env:PATH' -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Match '^PathNotFileSystem,'
        $e[0].Exception.Message | Should -Match 'not a file system path'
    }

    It 'says why records were skipped under -Verbose' {
        $file = Join-Path (New-TestFolder) 'eve.json'
        '{"event_type":"flow","timestamp":"2024-01-01T00:00:00Z","src_ip":"192.0.2.1","dest_ip":"198.51.100.7"}' | Set-Content $file
        '{"event_type":"alert","timestamp":"2024-01-01T00:00:01Z","src_ip":"192.0.2.1","dest_ip":"198.51.100.7","alert":{"signature":"ET test","signature_id":1,"severity":1,"category":"Test"}}' | Add-Content $file
        $verbose = Import-Alert -Path $file -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Contain "Skipped $file, line 1 (record 1): Suricata 'flow' event: not an alert"
    }

    It 'stops once with NoChangeGiven when Set-Incident is given no change' {
        { Get-Incident -Status Active | Set-Incident -ErrorAction Stop } | Should -Throw -ErrorId 'NoChangeGiven,IncidentTools.Commands.SetIncidentCommand'
        $errors = @()
        try { Get-Incident | Set-Incident } catch { $errors += $_ }
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses a store of a newer schema with a terminating error that says what to do, and leaves it unchanged' {
        $store = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $store | Out-Null
        # user_version lives at offset 60 of the database header (big-endian): make it 99.
        $bytes = [IO.File]::ReadAllBytes($store)
        $bytes[60] = 0; $bytes[61] = 0; $bytes[62] = 0; $bytes[63] = 99
        [IO.File]::WriteAllBytes($store, $bytes)
        $hash = (Get-FileHash $store).Hash
        $err = $null
        try { Get-Incident -Store $store; Write-Output 'no error' } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Match '^StoreSchemaTooNew,'
        $err.CategoryInfo.Category | Should -Be 'OpenError'
        $err.TargetObject | Should -Be $store
        $err.Exception.Message | Should -Match 'schema version 99, newer than this IncidentTools understands.*Update the IncidentTools module'
        (Get-FileHash $store).Hash | Should -Be $hash
    }
}

Describe 'Piped objects keep their store' {
    BeforeAll {
        $storeA = New-TestStore
        $storeB = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $storeA | Out-Null
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $storeB | Out-Null
        $env:INCIDENTTOOLS_STORE = $storeB
    }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'changes, reads and removes in the store the object came from, never in the default one' {
        Get-Incident -Store $storeA -Id 1 | Set-Incident -DisplayName 'renamed in A'
        (Get-Incident -Store $storeA -Id 1).DisplayName | Should -Be 'renamed in A'
        (Get-Incident -Id 1).DisplayName | Should -Not -Be 'renamed in A'
        (Get-Incident -Store $storeA -Id 1 | Get-IncidentAlert | Select-Object -First 1).Store | Should -Be (Get-Item $storeA).FullName
        $before = @(Get-Incident).Count
        Get-Incident -Store $storeA -Id 4 | Remove-Incident -Confirm:$false
        @(Get-Incident).Count | Should -Be $before
        { Get-Incident -Store $storeA -Id 4 -ErrorAction Stop } | Should -Throw -ErrorId 'IncidentNotFound*'
    }

    It 'refuses a path where there is no store instead of creating one' {
        $missing = Join-Path (Split-Path $storeA) 'no/such/dir/incidents.db'
        { Get-Incident -Store $missing -ErrorAction Stop } | Should -Throw -ErrorId 'StoreNotFound*'
        Test-Path (Split-Path $missing) | Should -BeFalse
    }

    It 'refuses -Id $null rather than listing every incident' {
        { Get-Incident -Id $null -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'removes only the piped alert, not the import it came from' {
        $alert = Get-IncidentAlert -Store $storeA -IncidentId 1 | Select-Object -First 1
        $count = @(Get-IncidentAlert -Store $storeA -AlertId '*').Count
        $alert | Remove-Alert -Confirm:$false
        @(Get-IncidentAlert -Store $storeA -AlertId '*').Count | Should -Be ($count - 1)
    }
}

