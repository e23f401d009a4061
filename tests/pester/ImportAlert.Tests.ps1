BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    $docsAlert = Get-Content -Raw (Join-Path $Samples 'graph_docs_v1_list_alerts_v2_response.json') | ConvertFrom-Json
    $one = $docsAlert.value[0]
}

Describe 'Import-Alert: Graph alerts_v2 input shapes' {
    BeforeEach {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        $dir = New-TestFolder
    }
    AfterEach { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'reads a Graph list response and reports what it did' {
        $s = Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json')
        $s.Files | Should -Be 1
        $s.Read | Should -Be 11
        $s.Created | Should -Be 11
        $s.Failed | Should -Be 0
        $s.IncidentsCreated | Should -Be 5
        $s.CreatedIncidentIds | Should -Be @(1, 3, 4, 5, 7) -Because 'incidents 2 and 6 were merged away in the same import'
        $s.MergedIncidentIds | Should -Be @(2, 6)
        $s.ImportId | Should -Not -BeNullOrEmpty
    }

    It 'reads a single alert, a JSON array and NDJSON the same way' {
        $single = Join-Path $dir 'single.json'; $one | ConvertTo-Json -Depth 20 | Set-Content $single
        $array = Join-Path $dir 'array.json'; ConvertTo-Json -InputObject @($one) -Depth 20 | Set-Content $array
        $nd = Join-Path $dir 'alerts.ndjson'
        $copy = $one.PSObject.Copy(); $copy.id = 'other-alert'
        @(($one | ConvertTo-Json -Depth 20 -Compress), ($copy | ConvertTo-Json -Depth 20 -Compress)) | Set-Content $nd
        (Import-Alert -Path $single).Created | Should -Be 1
        $a = Import-Alert -Path $array
        $a.Created | Should -Be 0
        $a.Unchanged | Should -Be 1
        $n = Import-Alert -Path $nd
        $n.Created | Should -Be 1
        $n.Unchanged | Should -Be 1
        (Get-IncidentAlert -AlertId '*').Count | Should -Be 2
    }

    It 'reads @odata.nextLink pages saved one per file' {
        $alerts = (Get-Content -Raw (Join-Path $Samples 'contoso-graph-alerts.json') | ConvertFrom-Json).value
        @{ value = $alerts[0..4]; '@odata.nextLink' = 'https://graph.microsoft.com/v1.0/security/alerts_v2?$skip=5' } | ConvertTo-Json -Depth 20 | Set-Content (Join-Path $dir 'page1.json')
        @{ value = $alerts[5..10] } | ConvertTo-Json -Depth 20 | Set-Content (Join-Path $dir 'page2.json')
        $s = Import-Alert -Path (Join-Path $dir 'page*.json')
        $s.Files | Should -Be 2
        $s.Created | Should -Be 11
        @(Get-Incident -Status Active, InProgress, Resolved).Count | Should -Be 5
    }

    It 'takes ConvertFrom-Json objects and PascalCase objects from the pipeline' {
        $s = $one | Import-Alert
        $s.Created | Should -Be 1
        $pascal = [pscustomobject]@{
            Id = 'pascal-1'; Title = 'Pascal case alert'; Severity = 'High'; Category = 'Execution'; TenantId = 't1'
            ServiceSource = 'MicrosoftDefenderForEndpoint'; CreatedDateTime = [datetime]'2024-01-01T10:00:00Z'
            FirstActivityDateTime = [datetime]'2024-01-01T09:00:00Z'; LastActivityDateTime = [datetime]'2024-01-01T09:30:00Z'
            Evidence = @([pscustomobject]@{ AdditionalProperties = @{ '@odata.type' = '#microsoft.graph.security.ipEvidence'; ipAddress = '203.0.113.9' } })
        }
        $r = $pascal | Import-Alert -PassThru
        $r.Title | Should -Be 'Pascal case alert'
        $r.Severity | Should -Be 'High'
        $r.Evidence.Type | Should -Be 'Ip'
        $r.Evidence.Key | Should -Be '203.0.113.9'
    }

    It 'imports Graph incidents with $expand=alerts and keeps the incident as provider context' {
        $s = Import-Alert -Path (Join-Path $Samples 'graph_docs_v1_list_incidents_expand_alerts_response.json'), (Join-Path $Samples 'graph_docs_v1_list_alerts_v2_response.json')
        $s.Created | Should -Be 1 -Because 'the docs alert and its copy inside the docs incident are one alert'
        $alert = Get-IncidentAlert -AlertId 'da637551227677560813_-961444813'
        @($alert).Count | Should -Be 1
        $alert.ProviderContext['ExpandedFromIncidentId'] | Should -Be '2972395'
        $alert.ProviderContext['ProviderIncidentId'] | Should -Be '28282'
        $alert.ProviderContext['ProviderAssignedTo'] | Should -Be 'KaiC@contoso.onmicrosoft.com'
        (Get-Incident).AssignedTo | Should -BeNullOrEmpty -Because 'the provider decision does not override what people set here'
    }

    It 'skips a file already imported unchanged, and reads it again with -Force' {
        $file = Join-Path $Samples 'contoso-graph-alerts.json'
        Import-Alert -Path $file | Out-Null
        $again = Import-Alert -Path $file
        $again.UnchangedFiles | Should -Be 1
        $again.Read | Should -Be 0
        $forced = Import-Alert -Path $file -Force
        $forced.Unchanged | Should -Be 11
        $forced.Created | Should -Be 0
    }

    It 'reports a bad record with its file and line, and imports every good record' {
        $nd = Join-Path $dir 'mixed.ndjson'
        $good = $one | ConvertTo-Json -Depth 20 -Compress
        $noId = ($one | Select-Object * -ExcludeProperty id) | ConvertTo-Json -Depth 20 -Compress
        $badDate = $one.PSObject.Copy(); $badDate.id = 'bad-date'; $badDate.firstActivityDateTime = '2024-13-45T99:00:00Z'
        @($good, '{"id": "broken", "title": ', $noId, ($badDate | ConvertTo-Json -Depth 20 -Compress)) | Set-Content $nd
        $s = Import-Alert -Path $nd -ErrorVariable errs -ErrorAction SilentlyContinue
        $s.Created | Should -Be 1
        $s.Failed | Should -Be 3
        $errs.Count | Should -Be 3
        $errs[0].FullyQualifiedErrorId | Should -Match '^InvalidAlertRecord'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].Exception.Message | Should -Match 'mixed\.ndjson, line 2'
        $errs[1].Exception.Message | Should -Match "line 3.*missing required field 'id'"
        $errs[2].Exception.Message | Should -Match "line 4.*not a date"
    }

    It 'gives one clear error for an empty file and for a file of an unknown format' {
        $empty = Join-Path $dir 'empty.json'; New-Item $empty -ItemType File | Out-Null
        $other = Join-Path $dir 'other.json'; '{"hello": "world"}' | Set-Content $other
        Import-Alert -Path $empty, $other -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null
        $errs.Count | Should -Be 2
        $errs[0].FullyQualifiedErrorId | Should -Match '^EmptyFile'
        $errs[1].FullyQualifiedErrorId | Should -Match '^UnknownFormat'
        $errs[1].Exception.Message | Should -Match 'other\.json'
    }

    It 'refuses an unknown -Format with the list of known ones' {
        { Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Format NoSuchFormat -ErrorAction Stop } | Should -Throw '*Known formats*GraphAlertV2*'
    }

    It 'changes nothing under -WhatIf' {
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -WhatIf | Out-Null
        Test-Path $env:INCIDENTTOOLS_STORE | Should -BeFalse -Because 'not even the store is created'
        { Get-Incident -ErrorAction Stop } | Should -Throw -ErrorId 'StoreNotFound*' 
    }

    It '-TenantId puts every alert in the given tenant' {
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -TenantId 'msp-customer-7' | Out-Null
        (Get-Incident).TenantId | Sort-Object -Unique | Should -Be 'msp-customer-7'
        (Get-IncidentAlert -AlertId '*')[0].Id | Should -BeLike 'defender:msp-customer-7:*'
    }
}

Describe 'The store location' {
    It 'uses -Store, else $env:INCIDENTTOOLS_STORE, else the per-user default under XDG_DATA_HOME' {
        $explicit = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $explicit | Out-Null
        $explicit | Should -Exist
        $xdg = New-TestFolder
        $r = Invoke-FreshPwsh @"
Remove-Item Env:INCIDENTTOOLS_STORE -ErrorAction SilentlyContinue
`$env:XDG_DATA_HOME = '$xdg'
Import-Module '$ModuleManifest'
(Import-Alert -Path '$Samples/contoso-graph-alerts.json').Created
"@
        $r.Output[-1] | Should -Be '11' -Because ($r.Output -join "`n")
        Join-Path $xdg 'IncidentTools/incidents.db' | Should -Exist
    }

    It 'creates a new store readable by its owner only' -Skip:$IsWindows {
        $store = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $store | Out-Null
        (Get-Item $store).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        (Get-Item (Split-Path $store)).UnixFileMode | Should -Not -BeNullOrEmpty
    }

    It 'stops with a terminating error that says what to do when the store cannot be opened' {
        $notAStore = Join-Path (New-TestFolder) 'junk.db'
        'this is not sqlite' | Set-Content $notAStore
        { Get-Incident -Store $notAStore -ErrorAction Stop } | Should -Throw '*Cannot open the store*'
        try { Get-Incident -Store $notAStore } catch { $_.FullyQualifiedErrorId | Should -Match '^StoreUnavailable' }
    }
}
