BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'Correlation of the bundled sample (contoso-graph-alerts.json)' {
    BeforeAll {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') | Out-Null
    }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'groups alerts that share a device, user, mailbox or URL within the window' {
        $live = Get-Incident -Status Active
        $live.Count | Should -Be 5
        ($live | Sort-Object Id).AlertCount | Should -Be @(4, 2, 1, 3, 1)
    }

    It 'merges incidents that one alert links, and redirects the absorbed one' {
        $redirected = Get-Incident -Status Redirected | Sort-Object Id
        $redirected.Id | Should -Be @(2, 6)
        $redirected.RedirectIncidentId | Should -Be @(1, 5)
        (Get-IncidentHistory -IncidentId 2).Action | Should -Contain 'Redirected'
        (Get-IncidentHistory -IncidentId 1).Action | Should -Contain 'Merged'
    }

    It 'matches a defanged URL with its real form, and keeps an alert outside the window apart' {
        (Get-IncidentAlert -IncidentId 1).ProviderAlertId | Should -Be @('ct0001', 'ct0002', 'ct0003', 'ct0004')
        (Get-IncidentAlert -AlertId ct0008).IncidentId | Should -Be 7 -Because 'the same device 18 days later is another incident'
    }

    It 'does not link alerts on SYSTEM or loopback addresses' {
        (Get-IncidentAlert -AlertId ct0007).IncidentId | Should -Be 4
        (Get-Incident -Id 4).AlertCount | Should -Be 1
    }

    It 'derives severity, categories in kill-chain order, counts and a Defender-style name' {
        $i = Get-Incident -Id 1
        $i.Severity | Should -Be 'High'
        $i.Categories | Should -Be @('InitialAccess', 'Execution', 'CredentialAccess', 'CommandAndControl')
        $i.DeviceCount | Should -Be 1
        $i.MailboxCount | Should -Be 1
        $i.DisplayName | Should -Be 'Multi-stage incident involving Initial access & Command and control on one endpoint reported by multiple sources'
        (Get-Incident -Id 3).DisplayName | Should -Be 'Multi-stage incident involving Discovery & Lateral movement on multiple endpoints'
        (Get-Incident -Id 7).DisplayName | Should -Be 'Suspicious PowerShell download cradle on one endpoint'
        $i.Priority | Should -BeGreaterThan (Get-Incident -Id 4).Priority
        $i.PriorityFactors['Severity'] | Should -Be 40
    }

    It 'gives the same incidents when the alerts are imported one by one, in any order inside an import' {
        $alerts = (Get-Content -Raw (Join-Path $Samples 'contoso-graph-alerts.json') | ConvertFrom-Json).value
        $oneByOne = New-TestStore
        $alerts | Sort-Object firstActivityDateTime | ForEach-Object { $_ | Import-Alert -Store $oneByOne | Out-Null }
        $shuffled = New-TestStore
        $alerts | Get-Random -Count $alerts.Count -SetSeed 7 | Import-Alert -Store $shuffled | Out-Null
        $expected = Get-IncidentAlert -AlertId '*' | Sort-Object Id | ForEach-Object { "$($_.ProviderAlertId)=$($_.IncidentId)" }
        Get-IncidentAlert -AlertId '*' -Store $oneByOne | Sort-Object Id | ForEach-Object { "$($_.ProviderAlertId)=$($_.IncidentId)" } | Should -Be $expected
        Get-IncidentAlert -AlertId '*' -Store $shuffled | Sort-Object Id | ForEach-Object { "$($_.ProviderAlertId)=$($_.IncidentId)" } | Should -Be $expected
    }
}

Describe 'Get-Incident' {
    BeforeAll {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') | Out-Null
    }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'returns every incident, newest activity first' {
        $all = Get-Incident
        $all.Count | Should -Be 7
        $all[0].Id | Should -Be 7
        $live = $all | Where-Object Status -ne 'Redirected'
        for ($i = 1; $i -lt $live.Count; $i++) { $live[$i - 1].LastActivityDateTime | Should -BeGreaterOrEqual $live[$i].LastActivityDateTime }
    }

    It 'filters by entity name or key, status, severity, category and tag' {
        (Get-Incident -Entity 'ws01*' -Status Active).Id | Should -Be @(7, 1)
        (Get-Incident -Entity 'bob@contoso.com').Id | Should -Be 3
        (Get-Incident -Severity Informational).Id | Should -Be 4
        (Get-Incident -Category LateralMovement).Id | Should -Be 3
        Set-Incident -Id 3 -AddTag 'vip' | Out-Null
        (Get-Incident -Tag 'VIP').Id | Should -Be 3
    }

    It 'pages in the query with -First and -Skip, and sorts by priority' {
        (Get-Incident -First 2).Id | Should -Be @(7, 5)
        (Get-Incident -Skip 2 -First 1).Id | Should -Be 6
        $byPriority = Get-Incident -SortBy Priority -Status Active
        $byPriority[0].Priority | Should -BeGreaterOrEqual $byPriority[-1].Priority
    }

    It 'writes a not-found error for an unknown id' {
        Get-Incident -Id 999 -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Match '^IncidentNotFound'
    }

    It 'has a readable default table' {
        $text = Get-Incident -First 3 | Out-String -Width 80
        $text | Should -Match 'Id\s+Severity\s+Status\s+DisplayName'
        $text | Should -Match 'Alerts'
    }
}

Describe 'Set-Incident' {
    BeforeEach {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') | Out-Null
    }
    AfterEach { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'changes only the fields it is given' {
        $before = Get-Incident -Id 1
        $after = Get-Incident -Id 1 | Set-Incident -AddTag triaged -PassThru
        $after.Tags | Should -Be @('triaged')
        foreach ($p in 'DisplayName', 'Severity', 'Status', 'AssignedTo', 'Classification', 'Determination', 'AlertCount', 'Categories', 'FirstActivityDateTime', 'LastActivityDateTime', 'CreatedDateTime') {
            ($after.$p | ConvertTo-Json -Compress) | Should -Be ($before.$p | ConvertTo-Json -Compress) -Because "$p was not given"
        }
        $after.Version | Should -BeGreaterThan $before.Version
    }

    It 'renames, assigns, moves status and keeps a person''s name over the generated one' {
        $r = Get-Incident -Id 3 | Set-Incident -DisplayName 'Lateral movement from db02' -AssignedTo soc@contoso.com -Status InProgress -PassThru
        $r.DisplayName | Should -Be 'Lateral movement from db02'
        $r.AssignedTo | Should -Be 'soc@contoso.com'
        $r.Status | Should -Be 'InProgress'
        $more = (Get-Content -Raw (Join-Path $Samples 'contoso-graph-alerts.json') | ConvertFrom-Json).value | Where-Object id -eq 'ct0005'
        $more.id = 'ct0099'; $more.firstActivityDateTime = '2026-11-03T15:00:00Z'; $more.lastActivityDateTime = '2026-11-03T15:01:00Z'
        $more | Import-Alert | Out-Null
        (Get-Incident -Id 3).AlertCount | Should -Be 3
        (Get-Incident -Id 3).DisplayName | Should -Be 'Lateral movement from db02'
        Set-Incident -Id 3 -AssignedTo '' -PassThru | Select-Object -ExpandProperty AssignedTo | Should -BeNullOrEmpty
    }

    It 'classifies and resolves, and resolving resolves the alerts' {
        Get-Incident -Id 1 | Set-Incident -Classification TruePositive -Determination Malware -Status Resolved -ResolvingComment 'Reimaged'
        $i = Get-Incident -Id 1
        $i.Status | Should -Be 'Resolved'
        $i.Classification | Should -Be 'TruePositive'
        $i.Determination | Should -Be 'Malware'
        $i.ResolvingComment | Should -Be 'Reimaged'
        (Get-IncidentAlert -IncidentId 1).Status | Sort-Object -Unique | Should -Be 'Resolved'
    }

    It 'refuses a determination that does not belong to the classification, and changes nothing' {
        $before = Get-Incident -Id 1
        Set-Incident -Id 1 -Classification FalsePositive -Determination Phishing -Status Resolved -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Match '^InvalidIncidentChange'
        $e[0].Exception.Message | Should -Match 'Phishing does not belong to classification FalsePositive'
        (Get-Incident -Id 1).Version | Should -Be $before.Version
        (Get-Incident -Id 1).Status | Should -Be 'Active'
    }

    It 'refuses an unknown status at binding' {
        { Set-Incident -Id 1 -Status Bogus -ErrorAction Stop } | Should -Throw '*Bogus*'
    }

    It 'changes nothing under -WhatIf, and bulk-edits through the pipeline' {
        Get-Incident -Status Active -Severity High, Medium | Set-Incident -AssignedTo soc@contoso.com -AddTag triaged -WhatIf
        (Get-Incident | Where-Object AssignedTo).Count | Should -Be 0
        Get-Incident -Status Active -Severity High, Medium | Set-Incident -AssignedTo soc@contoso.com -AddTag triaged
        (Get-Incident -AssignedTo 'soc@*').Id | Sort-Object | Should -Be @(1, 3, 5, 7)
        (Get-Incident -Unassigned -Status Active).Id | Should -Be 4
    }

    It 'records every change in the history with who, field, old and new value' {
        Set-Incident -Id 1 -Status InProgress -Comment 'Looking at it'
        $h = Get-IncidentHistory -IncidentId 1 | Where-Object Actor -ne 'system'
        $h | Where-Object Field -eq 'Status' | Select-Object -ExpandProperty OldValue | Should -Be 'Active'
        $h | Where-Object Field -eq 'Status' | Select-Object -ExpandProperty NewValue | Should -Be 'InProgress'
        (Get-IncidentComment -IncidentId 1).Comment | Should -Be 'Looking at it'
    }

    It 'fails with IncidentVersionConflict when the same field was changed since the piped version' {
        $stale = Get-Incident -Id 1
        Set-Incident -Id 1 -AssignedTo alice@contoso.com
        $stale | Set-Incident -AssignedTo bob@contoso.com -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Match '^IncidentVersionConflict'
        $e[0].CategoryInfo.Category | Should -Be 'WriteError'
        $e[0].Exception.Message | Should -Match 'AssignedTo'
        $stale | Set-Incident -AddTag fine -PassThru | Select-Object -ExpandProperty Tags | Should -Be 'fine'
        (Get-Incident -Id 1).AssignedTo | Should -Be 'alice@contoso.com'
    }
}

Describe 'Get-IncidentAlert, Get-IncidentEntity, comments' {
    BeforeAll {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') | Out-Null
    }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'lists the alerts of piped incidents, with evidence and the original record on request' {
        $alerts = Get-Incident -Id 3 | Get-IncidentAlert -IncludeOriginal
        $alerts.ProviderAlertId | Should -Be @('ct0005', 'ct0006')
        ($alerts[0].OriginalRecord | ConvertFrom-Json).id | Should -Be 'ct0005'
        $alerts[1].Evidence.Type | Should -Contain 'Device'
    }

    It 'lists entities by type with raw and normalised values, one per entity' {
        $e = Get-Incident -Id 3 | Get-IncidentEntity -Type User, Device
        ($e | Where-Object Type -eq 'User').Count | Should -Be 1 -Because 'bob@contoso.com and BOB@contoso.com are one user'
        ($e | Where-Object Type -eq 'User').Key | Should -Be 'bob@contoso.com'
        ($e | Where-Object Type -eq 'User').AlertCount | Should -Be 2
        ($e | Where-Object Type -eq 'Device').Count | Should -Be 2
        (Get-IncidentEntity -Type Ip).Key | Sort-Object | Should -Be @('127.0.0.1', '198.51.100.23', '203.0.113.50')
        (Get-IncidentEntity -Name 'procdump*' -Type Process).IncidentId | Should -Be 1
    }

    It 'adds and lists comments with author and time, keeping long comments whole' {
        $long = 'x' * 30000
        $c = Get-Incident -Id 1 | Add-IncidentComment -Comment $long -Author 'automation@contoso.com'
        $c.CreatedByDisplayName | Should -Be 'automation@contoso.com'
        (Get-IncidentComment -IncidentId 1).Comment.Length | Should -Be 30000
        $c.PSObject.TypeNames[0] | Should -Be 'IncidentTools.Comment'
    }

    It 'composes with Export-Csv, ConvertTo-Json and Group-Object' {
        $csv = Join-Path (New-TestFolder) 'queue.csv'
        Get-Incident | Export-Csv $csv
        (Import-Csv $csv).Count | Should -Be 7
        (Get-Incident -Id 1 | ConvertTo-Json -Depth 5 | ConvertFrom-Json).Id | Should -Be 1
        (Get-Incident | Group-Object Status | Where-Object Name -eq 'Redirected').Count | Should -Be 2
    }
}

Describe 'Get-Incident -IncludeTotalCount' {
    It 'counts the incidents that match the filters, not the page' {
        $store = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $store | Out-Null
        $out = Get-Incident -Store $store -Status Active -First 1 -IncludeTotalCount
        $out[0].ToString() | Should -Match 'Total count: 5'
        @($out).Count | Should -Be 2
    }
}
