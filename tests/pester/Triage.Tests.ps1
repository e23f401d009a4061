BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    $sample = Join-Path $Samples 'contoso-graph-alerts.json'
}

Describe 'Set-Incident -AddTag changes nothing else' {
    It 'leaves every field but Tags, LastUpdateDateTime, Version and Priority byte-identical' {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        try {
            Import-Alert -Path $sample | Out-Null
            Set-Incident -Id 1 -AssignedTo 'alice@contoso.com' -Status InProgress -Classification TruePositive -Determination Phishing -Severity Medium -DisplayName 'Phish to ws01' -ResolvingComment 'n/a' -AddTag first
            $allowedToChange = 'Tags', 'LastUpdateDateTime', 'Version', 'Priority'
            $serialise = { param($incident) $incident | Select-Object * -ExcludeProperty $allowedToChange | ConvertTo-Json -Depth 5 -Compress }
            $before = Get-Incident -Id 1
            $after = $before | Set-Incident -AddTag x -PassThru
            & $serialise $after | Should -BeExactly (& $serialise $before)
            & $serialise (Get-Incident -Id 1) | Should -BeExactly (& $serialise $before) -Because 'what is stored is what was returned'
            $after.Tags | Should -Be @('first', 'x')
            $after.Version | Should -BeGreaterThan $before.Version
            $after.LastUpdateDateTime | Should -BeGreaterOrEqual $before.LastUpdateDateTime
            # The alerts and entities are untouched too.
            (Get-IncidentAlert -IncidentId 1 | ConvertTo-Json -Depth 5 -Compress) | Should -BeExactly ($before | Get-IncidentAlert | ConvertTo-Json -Depth 5 -Compress)
        }
        finally { Remove-Item Env:INCIDENTTOOLS_STORE }
    }
}

Describe 'Get-Incident filters' {
    BeforeAll {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        Import-Alert -Path $sample | Out-Null
        # Incidents: 1 High (4 alerts, 4 tactics, Endpoint + Office 365), 3 High (Discovery, LateralMovement),
        # 4 Informational (Malware, antivirus), 5 High (3 tactics, Endpoint + Cloud Apps), 7 High (Execution);
        # 2 and 6 are Redirected into 1 and 5.
        Set-Incident -Id 1 -AssignedTo 'alice@contoso.com' -Status InProgress -AddTag 'vip', 'phishing'
        Set-Incident -Id 3 -AssignedTo 'bob@contoso.com' -AddTag 'lateral'
        Set-Incident -Id 4 -Status Resolved -Classification FalsePositive -Determination NotMalicious
        Set-Incident -Id 7 -Classification TruePositive -Determination Malware -AddTag 'VIP'
        function Ids { param([Parameter(ValueFromRemainingArguments)] $Arguments) $splat = @{}; $name = $null
            foreach ($a in $Arguments) { if ($a -is [string] -and $a -match '^-(\w+)$') { $name = $Matches[1]; $splat[$name] = $true } else { $splat[$name] = $a } }
            @(Get-Incident @splat | Sort-Object Id | ForEach-Object Id) }
    }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'filters by status, any of several' {
        Ids -Status Active | Should -Be @(3, 5, 7)
        Ids -Status InProgress, Resolved | Should -Be @(1, 4)
        Ids -Status Redirected | Should -Be @(2, 6)
    }

    It 'filters by incident severity and by alert severity' {
        Ids -Severity Informational | Should -Be @(4)
        Ids -Severity Informational, High -Status Active, InProgress, Resolved | Should -Be @(1, 3, 4, 5, 7)
        Ids -AlertSeverity Medium | Should -Be @(1, 3, 5) -Because 'incidents with at least one Medium alert'
        Ids -AlertSeverity Informational, Medium -Status Resolved | Should -Be @(4)
    }

    It 'filters by assignee, including unassigned' {
        Ids -AssignedTo 'alice@contoso.com' | Should -Be @(1)
        Ids -AssignedTo 'ALICE@*', 'bob@contoso.com' | Should -Be @(1, 3)
        Ids -Unassigned -Status Active | Should -Be @(5, 7)
        Ids -AssignedTo '', 'bob*' -Status Active | Should -Be @(3, 5, 7) -Because "'' is unassigned, and any of the values matches"
    }

    It 'filters by classification and determination' {
        Ids -Classification FalsePositive | Should -Be @(4)
        Ids -Classification TruePositive, FalsePositive | Should -Be @(4, 7)
        Ids -Determination Malware, NotMalicious | Should -Be @(4, 7)
        Ids -Classification TruePositive -Determination NotMalicious | Should -Be @() -Because 'filters combine with and'
    }

    It 'filters by tags, case-insensitively and any of several' {
        Ids -Tag vip | Should -Be @(1, 7)
        Ids -Tag phishing, lateral | Should -Be @(1, 3)
        Ids -Tag 'lat*' | Should -Be @(3)
    }

    It 'filters by service source and detection source' {
        Ids -ServiceSource MicrosoftDefenderForOffice365 | Should -Be @(1)
        Ids -ServiceSource '*CloudApps', '*Office365' | Should -Be @(1, 5)
        Ids -DetectionSource Antivirus | Should -Be @(4)
        Ids -DetectionSource Edr -Status Active | Should -Be @(3, 5, 7)
    }

    It 'filters by MITRE category, and by "multiple categories"' {
        Ids -Category CredentialAccess -Status Active, InProgress | Should -Be @(1, 5)
        Ids -Category LateralMovement, Impact -Status Active | Should -Be @(3, 5)
        Ids -MultipleCategories -Status Active, InProgress | Should -Be @(1, 3, 5)
        Ids -MultipleCategories -Category Execution -Status Active, InProgress | Should -Be @(1)
    }

    It 'filters by any entity''s name or key' {
        Ids -Entity 'db02.contoso.local' | Should -Be @(3)
        Ids -Entity 'BOB@CONTOSO.COM' | Should -Be @(3) -Because 'names and keys compare case-insensitively'
        Ids -Entity 'ws01*' -Status InProgress, Active | Should -Be @(1, 7)
        Ids -Entity '203.0.113.50', 'db02*' | Should -Be @(1, 3)
    }

    It 'filters by last activity, creation and last update time ranges' {
        Ids -Since ([datetimeoffset]'2026-11-05T00:00:00Z').UtcDateTime -Status Active | Should -Be @(5, 7)
        Ids -Until ([datetimeoffset]'2026-11-03T00:00:00Z').UtcDateTime | Should -Be @(1, 2)
        Ids -Since ([datetimeoffset]'2026-11-03T00:00:00Z').UtcDateTime -Until ([datetimeoffset]'2026-11-04T12:00:00Z').UtcDateTime | Should -Be @(3, 4)
        $created = (Get-Incident -Id 1).CreatedDateTime.UtcDateTime
        Ids -CreatedSince $created.AddMinutes(-1) -CreatedUntil $created.AddMinutes(1) | Should -Be @(1, 2, 3, 4, 5, 6, 7)
        Ids -CreatedSince $created.AddHours(1) | Should -Be @()
        Start-Sleep -Milliseconds 20
        $mark = [datetime]::UtcNow
        Start-Sleep -Milliseconds 20
        Set-Incident -Id 5 -AddTag 'touched'
        Ids -UpdatedSince $mark | Should -Be @(5)
        Ids -UpdatedUntil $mark -Status Active | Should -Be @(3, 7)
    }
}

Describe 'Output objects compose with PowerShell' {
    BeforeAll {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        Import-Alert -Path $sample | Out-Null
        Set-Incident -Id 1 -AddTag 'vip', 'phishing' -AssignedTo 'alice@contoso.com'
    }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'exports to CSV with every scalar column and readable lists' {
        $csv = Join-Path (New-TestFolder) 'queue.csv'
        Get-Incident | Export-Csv $csv
        $rows = Import-Csv $csv
        $rows.Count | Should -Be 7
        $one = $rows | Where-Object Id -eq 1
        $one.Severity | Should -Be 'High'
        $one.AssignedTo | Should -Be 'alice@contoso.com'
        $one.AlertCount | Should -Be 4
        [datetimeoffset]::Parse($one.LastActivityDateTime).UtcDateTime | Should -Be ([datetime]'2026-11-02T10:05:00Z').ToUniversalTime()
        $alerts = Join-Path (Split-Path $csv) 'alerts.csv'
        Get-Incident -Id 1 | Get-IncidentAlert | Export-Csv $alerts
        (Import-Csv $alerts).ProviderAlertId | Should -Be @('ct0001', 'ct0002', 'ct0003', 'ct0004')
    }

    It 'round-trips through ConvertTo-Json -Depth 5 with nested lists and priority factors' {
        $json = Get-Incident -Id 1 | ConvertTo-Json -Depth 5 | ConvertFrom-Json
        $json.Id | Should -Be 1
        $json.Tags | Should -Be @('phishing', 'vip')
        $json.Categories | Should -Be @('InitialAccess', 'Execution', 'CredentialAccess', 'CommandAndControl')
        $json.PriorityFactors.Severity | Should -Be 40
        $alert = Get-IncidentAlert -AlertId ct0005 | ConvertTo-Json -Depth 5 | ConvertFrom-Json
        $alert.Evidence.Type | Should -Contain 1 -Because 'enums serialise as numbers by default'
        (Get-IncidentAlert -AlertId ct0005 | ConvertTo-Json -Depth 5 -EnumsAsStrings | ConvertFrom-Json).Evidence.Type | Should -Contain 'Device'
        (Get-IncidentHistory -IncidentId 1 | ConvertTo-Json -Depth 5 | ConvertFrom-Json).Action | Should -Contain 'Created'
    }

    It 'groups by any property' {
        $byStatus = Get-Incident | Group-Object Status -AsHashTable -AsString
        $byStatus['Active'].Count | Should -Be 5
        $byStatus['Redirected'].Count | Should -Be 2
        (Get-Incident -Status Active | Group-Object Severity | Sort-Object Name).Name | Should -Be @('High', 'Informational')
        (Get-IncidentEntity -Type Device | Group-Object Name | Where-Object Count -gt 1).Name | Should -Be 'ws01.contoso.local'
        (Get-IncidentAlert -IncidentId 1 | Group-Object Severity -NoElement | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Count)" }) | Should -Be @('High=3', 'Medium=1')
    }
}
