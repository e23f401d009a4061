# The correlation cmdlets end to end (issue 4): explanations, the policy, people's merges and moves, and replays,
# on a store built from small Graph alerts written here, so every expected grouping can be read off the data.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    $script:TenantA = '11111111-1111-1111-1111-111111111111'
    $script:TenantB = '22222222-2222-2222-2222-222222222222'
    $script:T0 = [datetimeoffset]'2026-03-02T09:00:00Z'

    function New-Evidence([string] $kind, [hashtable] $values) {
        $o = [ordered]@{ '@odata.type' = "#microsoft.graph.security.$kind"; roles = @(); verdict = 'suspicious' }
        foreach ($k in $values.Keys) { $o[$k] = $values[$k] }
        $o
    }
    function User([string] $upn) { New-Evidence userEvidence @{ userAccount = @{ userPrincipalName = $upn } } }
    function Ip([string] $address) { New-Evidence ipEvidence @{ ipAddress = $address } }
    function Device([string] $id, [string] $dns) { New-Evidence deviceEvidence @{ mdeDeviceId = $id; deviceDnsName = $dns } }
    function Mailbox([string] $address) { New-Evidence mailboxEvidence @{ primaryAddress = $address } }

    # A Graph alert whose activity runs from T0 + $minutes for five minutes.
    function New-GraphAlert([string] $id, [double] $minutes, [object[]] $evidence, [string] $tenant = $TenantA, [string] $category = 'Execution') {
        $first = $T0.AddMinutes($minutes)
        [ordered]@{
            '@odata.type' = '#microsoft.graph.security.alert'; id = $id; providerAlertId = $id; title = "Alert $id"
            severity = 'high'; status = 'new'; category = $category; serviceSource = 'microsoftDefenderForEndpoint'
            detectionSource = 'edr'; tenantId = $tenant
            createdDateTime = $first.AddMinutes(6).ToString('o'); firstActivityDateTime = $first.ToString('o')
            lastActivityDateTime = $first.AddMinutes(5).ToString('o'); evidence = @($evidence)
        }
    }

    # Tenant A: a1, a2 share a user (case differs); a3 five hours later shares the user and an IP with a4, so all
    # four are one incident under the default 24-hour window and two under a one-hour window. b1, b2 share a device;
    # c1 is alone. Tenant B: d1 has the same user as a1 but never correlates with it.
    function New-CorrelationStore {
        $store = New-TestStore
        $file = Join-Path (Split-Path $store) 'alerts.json'
        $alerts = @(
            New-GraphAlert a1 0 @(User 'ann@contoso.com')
            New-GraphAlert a2 10 @(User 'Ann@Contoso.com')
            New-GraphAlert a3 300 @((User 'ann@contoso.com'), (Ip '198.51.100.20'))
            New-GraphAlert a4 320 @(Ip '198.51.100.20')
            New-GraphAlert b1 0 @(Device 'dev-9' 'ws9.contoso.local')
            New-GraphAlert b2 15 @(Device 'dev-9' 'ws9.contoso.local')
            New-GraphAlert c1 60 @(Mailbox 'cfo@contoso.com')
            New-GraphAlert d1 0 @(User 'ann@contoso.com') -tenant $TenantB
        )
        @{ value = $alerts } | ConvertTo-Json -Depth 10 | Set-Content $file
        Import-Alert -Path $file -Store $store | Out-Null
        $store
    }

    function IncidentOf([string] $providerId) { (Get-IncidentAlert -AlertId $providerId).IncidentId }
    function FullId([string] $providerId, [string] $tenant = $TenantA) { "defender:${tenant}:$providerId" }

    # Everything people and correlation can change, to compare a store before and after a command.
    function Get-StoreState {
        $incidents = Get-Incident -Status Active, InProgress, Resolved, Redirected | Sort-Object Id
        [pscustomobject]@{
            Incidents = $incidents | Select-Object Id, Status, AlertCount, Version, RedirectIncidentId, AssignedTo, DisplayName, @{ n = 'Tags'; e = { $_.Tags -join ',' } } | ConvertTo-Json -Compress
            Alerts    = Get-IncidentAlert -AlertId * | Sort-Object Id | ForEach-Object { "$($_.Id)=$($_.IncidentId)" } | Join-String -Separator ';'
            History   = @($incidents | Get-IncidentHistory).Count
            Links     = @($incidents | Where-Object AlertCount -gt 0 | Get-IncidentCorrelation) | Select-Object IncidentId, Kind, AlertId, LinkedAlertId, Rule | ConvertTo-Json -Compress
            Policy    = (Get-IncidentCorrelationPolicy).ToJson()
        } | ConvertTo-Json
    }

    function Assert-Fits80([string] $text) {
        $long = @($text -split "\r?\n" | Where-Object { $_.Length -gt 80 })
        $long | Should -BeNullOrEmpty -Because 'the default view must fit an 80-column terminal'
    }
}

Describe 'Get-IncidentCorrelation' {
    BeforeAll { $env:INCIDENTTOOLS_STORE = New-CorrelationStore }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'explains every alert of an incident piped from Get-Incident: first alert, then each shared entity' {
        $x = IncidentOf a1
        $links = @(Get-Incident -Id $x | Get-IncidentCorrelation)
        $links.Kind | Should -Be @('FirstAlert', 'SharedEntity', 'SharedEntity', 'SharedEntity')
        $links.AlertId | Should -Be @((FullId a1), (FullId a2), (FullId a3), (FullId a4))
        $links[1].LinkedAlertId | Should -Be (FullId a1)
        $links[1].EntityType | Should -Be 'User'
        $links[1].Entity | Should -Be 'Ann@Contoso.com'
        $links[1].EntityKey | Should -Be 'ann@contoso.com'
        $links[1].Rule | Should -Be 'SharedEntity:User'
        $links[1].Gap | Should -Be ([timespan]'00:05:00')
        $links[3].LinkedAlertId | Should -Be (FullId a3)
        $links[3].EntityType | Should -Be 'Ip'
        $links[3].Gap | Should -Be ([timespan]'00:15:00')
        $links.IncidentId | Sort-Object -Unique | Should -Be $x
    }

    It 'keeps tenants apart although they share the user' {
        IncidentOf a1 | Should -Not -Be (IncidentOf d1)
        (Get-IncidentCorrelation (IncidentOf d1)).Kind | Should -Be 'FirstAlert'
    }

    It 'accepts alerts from Get-IncidentAlert (their IncidentId)' {
        $links = @(Get-IncidentAlert -AlertId b2 | Get-IncidentCorrelation)
        $links.Kind | Should -Be @('FirstAlert', 'SharedEntity')
        $links[1].EntityType | Should -Be 'Device'
    }

    It 'reports an unknown incident as IncidentNotFound and still explains the others' {
        $links = @(Get-IncidentCorrelation -IncidentId 999, (IncidentOf c1) -ErrorVariable err -ErrorAction SilentlyContinue)
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IncidentNotFound,*'
        $err[0].Exception.Message | Should -Match 'no incident 999'
        $links.Count | Should -Be 1
    }

    It 'renders at 80 columns, grouped by incident, with the short alert id' {
        $text = Get-Incident | Get-IncidentCorrelation | Out-String -Width 80
        Assert-Fits80 $text
        $text | Should -Match 'Incident: \d+'
        $text | Should -Match 'SharedEntity\s+a2\s+a1\s+User\s+00:05:00 Ann@Contoso.com'
        $text | Should -Match 'FirstAlert\s+a1\s+started the incident'
    }
}

Describe 'Get-/Set-IncidentCorrelationPolicy' {
    BeforeEach { $env:INCIDENTTOOLS_STORE = New-CorrelationStore }
    AfterEach { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'returns the defaults for a new store' {
        $p = Get-IncidentCorrelationPolicy
        $p.WindowHours | Should -Be 24
        $p.LinkStrength('User') | Should -Be 1
        $p.LinkStrength('Malware') | Should -Be 0
    }

    It 'refuses <Case> with InvalidCorrelationPolicy, the allowed range, and saves nothing' -ForEach @(
        @{ Case = 'a negative window'; Splat = @{ WindowHours = -1 }; Message = 'WindowHours = -1 is out of range: it must be between 0 and 8760' }
        @{ Case = 'an unknown entity type'; Splat = @{ LinkStrength = @{ Nope = 1 } }; Message = "'Nope' in LinkingTypes is not an entity type\. Use one of: User, Device" }
        @{ Case = 'a strength above 1'; Splat = @{ LinkStrength = @{ Ip = 2 } }; Message = 'LinkingTypes\[Ip\] = 2 is out of range: it must be between 0 and 1' }
        @{ Case = 'a strength that is no number'; Splat = @{ LinkStrength = @{ Ip = 'strong' } }; Message = 'must be a number between 0 and 1' }
        @{ Case = 'a prevalence share above 1'; Splat = @{ PrevalenceThreshold = 5 }; Message = 'PrevalenceThreshold = 5 is out of range: it must be between 0.001 and 1' }
        @{ Case = 'a cap of one alert'; Splat = @{ MaxAlertsPerIncident = 1 }; Message = 'between 2 and 1000000' }
    ) {
        $before = Get-StoreState
        # A valid value given with the bad one is not saved either.
        $all = @{ WindowHours = 2 }
        foreach ($k in $Splat.Keys) { $all[$k] = $Splat[$k] }
        Set-IncidentCorrelationPolicy @all -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidCorrelationPolicy,*'
        $err[0].Exception.Message | Should -Match $Message
        Get-StoreState | Should -Be $before
    }

    It 'saves only the values given, merging link strengths, and -PassThru returns what was saved' {
        $saved = Set-IncidentCorrelationPolicy -LinkStrength @{ ip = 0.5; Url = 0.5 } -WindowHours 12 -PassThru
        $saved.WindowHours | Should -Be 12
        $p = Get-IncidentCorrelationPolicy
        $p.WindowHours | Should -Be 12
        $p.LinkStrength('Ip') | Should -Be 0.5
        $p.LinkStrength('Url') | Should -Be 0.5
        $p.LinkStrength('User') | Should -Be 1
        $p.PrevalenceThreshold | Should -Be 0.05
    }

    It 'converts to JSON and back, link strengths by type name' {
        Set-IncidentCorrelationPolicy -LinkStrength @{ ip = 0.5 }
        $json = Get-IncidentCorrelationPolicy | ConvertTo-Json -Depth 3
        $back = $json | ConvertFrom-Json
        $back.LinkingTypes.Ip | Should -Be 0.5
        $back.WindowHours | Should -Be 24
        $p = [IncidentTools.Correlation.CorrelationPolicy]::FromJson($json)
        $p.LinkStrength('Ip') | Should -Be 0.5
        Set-IncidentCorrelationPolicy -Reset
    }

    It 'takes a whole policy from the pipeline, and -Reset goes back to the defaults' {
        $p = Get-IncidentCorrelationPolicy
        $p.ReopenResolved = $true
        $p.LinkingTypes['CloudApplication'] = 1
        $p | Set-IncidentCorrelationPolicy
        (Get-IncidentCorrelationPolicy).ReopenResolved | Should -BeTrue
        (Get-IncidentCorrelationPolicy).LinkStrength('CloudApplication') | Should -Be 1
        Set-IncidentCorrelationPolicy -Reset
        (Get-IncidentCorrelationPolicy).ReopenResolved | Should -BeFalse
        (Get-IncidentCorrelationPolicy).LinkStrength('CloudApplication') | Should -Be 0
    }

    It '-WhatIf changes nothing' {
        $before = Get-StoreState
        Set-IncidentCorrelationPolicy -WindowHours 1 -WhatIf
        Set-IncidentCorrelationPolicy -Reset -WhatIf
        Get-StoreState | Should -Be $before
    }

    It 'renders as a list at 80 columns with the linking types readable' {
        $text = Get-IncidentCorrelationPolicy | Out-String -Width 80
        Assert-Fits80 $text
        $text | Should -Match 'WindowHours\s+: 24'
        $text | Should -Match 'LinkingTypes\s+: User=1, Device=1'
        $text | Should -Match 'NotLinking\s+: CloudApplication, RegistryKey'
    }
}

Describe 'Merge-Incident' {
    BeforeEach { $env:INCIDENTTOOLS_STORE = New-CorrelationStore }
    AfterEach { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'merges piped incidents into -Into: sources Redirected, alerts and tags moved, history and comments reachable' {
        $x = IncidentOf a1; $y = IncidentOf b1; $z = IncidentOf c1
        Set-Incident -Id $y, $z -AddTag campaign
        Add-IncidentComment -IncidentId $y -Comment 'seen by the mail team'
        $survivor = Get-Incident -Tag campaign | Merge-Incident -Into $x -Comment 'one intrusion' -Actor ann -PassThru
        $survivor.Id | Should -Be $x
        $survivor.AlertCount | Should -Be 7
        $survivor.Tags | Should -Contain 'campaign'
        foreach ($id in $y, $z) {
            $source = Get-Incident -Id $id
            $source.Status | Should -Be 'Redirected'
            $source.RedirectIncidentId | Should -Be $x
        }
        (Get-IncidentAlert -AlertId b2).IncidentId | Should -Be $x
        $merges = @(Get-IncidentCorrelation $x | Where-Object Kind -eq Merge)
        # The first alert of each source came by the merge; b2 still shows the device link that joined it to b1.
        $merges.AlertId | Sort-Object | Should -Be @((FullId b1), (FullId c1))
        (Get-IncidentCorrelation $x | Where-Object AlertId -eq (FullId b2)).Kind | Should -Be 'SharedEntity'
        $merges.Actor | Sort-Object -Unique | Should -Be 'ann'
        $history = Get-IncidentHistory $x
        ($history | Where-Object Action -eq MergeReason).NewValue | Should -Contain 'merged by ann: one intrusion'
        ($history | Where-Object Action -eq Redirected).IncidentId | Sort-Object | Should -Be @($y, $z)
        $comment = Get-IncidentComment $x | Where-Object Comment -eq 'seen by the mail team'
        $comment.IncidentId | Should -Be $y -Because 'IncidentId says where the comment was written'
    }

    It 'without -Into keeps the incident with the most alerts' {
        $survivor = Merge-Incident (IncidentOf c1), (IncidentOf b1) -PassThru
        $survivor.Id | Should -Be (IncidentOf b1)
        $survivor.AlertCount | Should -Be 3
    }

    It '-WhatIf changes nothing' {
        $before = Get-StoreState
        Merge-Incident (IncidentOf b1), (IncidentOf c1) -Into (IncidentOf a1) -WhatIf
        Get-StoreState | Should -Be $before
    }

    It 'refuses a merge across tenants with IncidentMergeRefused and changes nothing' {
        $before = Get-StoreState
        Merge-Incident (IncidentOf d1) -Into (IncidentOf a1) -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IncidentMergeRefused,*'
        $err[0].Exception.Message | Should -Match 'different tenants are never merged'
        Get-StoreState | Should -Be $before
    }

    It 'refuses to merge a Redirected incident again' {
        Merge-Incident (IncidentOf c1) -Into (IncidentOf b1)
        $z = (Get-Incident -Status Redirected).Id
        Merge-Incident $z -Into (IncidentOf a1) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IncidentMergeRefused,*'
        $err[0].Exception.Message | Should -Match 'it is Redirected into incident'
    }

    It 'reports an unknown incident as IncidentNotFound and merges nothing' {
        $before = Get-StoreState
        Merge-Incident 999, (IncidentOf b1) -Into (IncidentOf a1) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IncidentNotFound,*'
        Get-StoreState | Should -Be $before
    }
}

Describe 'Move-IncidentAlert' {
    BeforeEach { $env:INCIDENTTOOLS_STORE = New-CorrelationStore }
    AfterEach { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'moves piped alerts to one new incident, recomputes both, and records the move' {
        $x = IncidentOf a1
        $touched = @(Get-IncidentAlert -AlertId a3, a4 | Move-IncidentAlert -NewIncident -Actor ann -PassThru)
        $touched.Count | Should -Be 2
        $new = $touched | Where-Object Id -ne $x
        $new.AlertCount | Should -Be 2
        (Get-Incident -Id $x).AlertCount | Should -Be 2
        IncidentOf a3 | Should -Be $new.Id
        IncidentOf a4 | Should -Be $new.Id
        (Get-IncidentCorrelation $new.Id).Kind | Should -Be @('Move', 'Move')
        $history = Get-IncidentHistory $new.Id
        ($history | Where-Object Field -eq SplitFromIncidentId).NewValue | Should -Be "$x"
        (Get-IncidentHistory $x | Where-Object Action -eq AlertMoved).OldValue | Should -Be @((FullId a3), (FullId a4))
    }

    It 'moves an alert to an existing incident; an emptied incident becomes Redirected' {
        $z = IncidentOf c1
        Move-IncidentAlert (FullId c1) -ToIncidentId (IncidentOf b1)
        IncidentOf c1 | Should -Be (IncidentOf b1)
        (Get-Incident -Id $z).Status | Should -Be 'Redirected'
    }

    It '-WhatIf changes nothing' {
        $before = Get-StoreState
        Get-IncidentAlert -AlertId a2 | Move-IncidentAlert -NewIncident -WhatIf
        Move-IncidentAlert (FullId b2) -ToIncidentId (IncidentOf c1) -WhatIf
        Get-StoreState | Should -Be $before
    }

    It 'refuses a move across tenants (AlertMoveRefused) and reports unknown alerts (AlertOrIncidentNotFound)' {
        $before = Get-StoreState
        Move-IncidentAlert (FullId d1 $TenantB) -ToIncidentId (IncidentOf a1) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AlertMoveRefused,*'
        $err[0].Exception.Message | Should -Match 'never move across tenants'
        Move-IncidentAlert 'defender:nope' -ToIncidentId (IncidentOf a1) -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'AlertOrIncidentNotFound,*'
        $err2[0].Exception.Message | Should -Match "no alert 'defender:nope'"
        Get-StoreState | Should -Be $before
    }
}

Describe 'Invoke-IncidentCorrelation' {
    BeforeEach { $env:INCIDENTTOOLS_STORE = New-CorrelationStore }
    AfterEach { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'under the stored policy changes nothing and reports nothing' {
        $before = Get-StoreState
        @(Invoke-IncidentCorrelation -Confirm:$false).Count | Should -Be 0
        Get-StoreState | Should -Be $before
    }

    It '-WhatIf under a narrower window reports a Split and a New, and leaves the store and policy unchanged' {
        $x = IncidentOf a1
        $before = Get-StoreState
        $p = Get-IncidentCorrelationPolicy
        $p.WindowHours = 1
        $changes = @($p | Invoke-IncidentCorrelation -WhatIf)
        $split = $changes | Where-Object Kind -eq Split
        $split.IncidentId | Should -Be $x
        $split.AlertsBefore | Should -Be 4
        $split.AlertsAfter | Should -Be 2
        $split.AlertsRemoved | Should -Be @((FullId a3), (FullId a4))
        $split.NewIncidentCount | Should -Be 1
        $split.Applied | Should -BeFalse
        $new = $changes | Where-Object Kind -eq New
        $new.IncidentId | Should -BeNullOrEmpty
        $new.AlertsAdded | Should -Be @((FullId a3), (FullId a4))
        $new.RelatedIncidentIds | Should -Be @($x)
        $changes.Count | Should -Be 2
        Get-StoreState | Should -Be $before
    }

    It 'applied with -Policy: splits, the new part takes the work and says where it came from, and the policy is saved' {
        $x = IncidentOf a1
        Set-Incident -Id $x -AssignedTo 'ann@contoso.com' -AddTag case-7
        $p = Get-IncidentCorrelationPolicy
        $p.WindowHours = 1
        $changes = @(Invoke-IncidentCorrelation -Policy $p -Confirm:$false -Actor replayer)
        $new = $changes | Where-Object Kind -eq New
        $new.Applied | Should -BeTrue
        $new.IncidentId | Should -Not -BeNullOrEmpty
        IncidentOf a3 | Should -Be $new.IncidentId
        IncidentOf a1 | Should -Be $x
        $part = Get-Incident -Id $new.IncidentId
        $part.AssignedTo | Should -Be 'ann@contoso.com'
        $part.Tags | Should -Contain 'case-7'
        (Get-IncidentHistory $new.IncidentId | Where-Object Field -eq SplitFromIncidentId).NewValue | Should -Be "$x"
        (Get-IncidentHistory $x | Where-Object Action -eq Split).Actor | Should -Be 'replayer'
        (Get-IncidentCorrelationPolicy).WindowHours | Should -Be 1
        @(Invoke-IncidentCorrelation -Confirm:$false).Count | Should -Be 0 -Because 'a replay under the same policy reproduces the grouping'
    }

    It 'keeps a person''s merge through a replay' {
        Merge-Incident (IncidentOf c1) -Into (IncidentOf b1)
        $before = Get-StoreState
        @(Invoke-IncidentCorrelation -Confirm:$false).Count | Should -Be 0
        Get-StoreState | Should -Be $before
        IncidentOf c1 | Should -Be (IncidentOf b1)
    }

    It 'replays one tenant only with -TenantId' {
        $p = Get-IncidentCorrelationPolicy
        $p.WindowHours = 1
        @(Invoke-IncidentCorrelation -Policy $p -TenantId $TenantB -WhatIf).Count | Should -Be 0
        @(Invoke-IncidentCorrelation -Policy $p -TenantId $TenantA -WhatIf).Count | Should -Be 2
    }

    It 'refuses an invalid policy with InvalidCorrelationPolicy and changes nothing' {
        $before = Get-StoreState
        $p = Get-IncidentCorrelationPolicy
        $p.WindowHours = -5
        { Invoke-IncidentCorrelation -Policy $p -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidCorrelationPolicy,*'
        Get-StoreState | Should -Be $before
    }

    It 'renders the changes at 80 columns' {
        $p = Get-IncidentCorrelationPolicy
        $p.WindowHours = 1
        $text = Invoke-IncidentCorrelation -Policy $p -WhatIf | Out-String -Width 80
        Assert-Fits80 $text
        $text | Should -Match 'Split\s+\d+\s+4\s+2 False\s+alerts to a new incident'
        $text | Should -Match 'New\s+\(new\)\s+0\s+2 False\s+alerts from \d+'
    }
}
