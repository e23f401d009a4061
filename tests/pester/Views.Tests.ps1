BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    $env:INCIDENTTOOLS_STORE = New-TestStore
    Import-Alert -Path (Join-Path $Samples '*.json') | Out-Null

    # What an 80-column terminal shows.
    function Show([Parameter(ValueFromPipeline)] $InputObject, [switch] $List) {
        begin { $all = [Collections.Generic.List[object]]::new() }
        process { $all.Add($InputObject) }
        end {
            $text = if ($List) { $all | Format-List | Out-String -Width 80 } else { $all | Out-String -Width 80 }
            $text -split '\r?\n'
        }
    }
    function Should-FitIn80([string[]] $Lines) {
        foreach ($l in $Lines) { $l.Length | Should -BeLessOrEqual 80 -Because "'$l' must fit an 80-column terminal" }
    }
}
AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

Describe 'Default views at 80 columns' {
    It 'shows the queue with id, readable severity and status, name, assignee, alerts and last activity' {
        Set-Incident -Id 4 -AssignedTo 'alice@contoso.com' -Status InProgress
        $lines = Get-Incident | Show
        Should-FitIn80 $lines
        $lines | Should -Contain ($lines -match '^\s+Id Severity Status\s+DisplayName\s+AssignedTo Alerts LastActivity$')[0]
        $row = $lines -match '^\s+4 High\s+InProgress Multi-stage'
        $row | Should -Not -BeNullOrEmpty
        $row | Should -Match 'alice\s+2 2026-11-03$' -Because 'the assignee shows by their name and the alert count and date are whole'
        $lines -match '^\s+5 Info\s+Active' | Should -Not -BeNullOrEmpty -Because 'Informational is shortened, never cut'
        $lines -match '^\s+\d+ \w+\s+Redirected ' | Should -HaveCount 2
        ($lines -join "`n") | Should -Not -Match "`e" -Because 'colours are dropped when output is not the terminal'
    }

    It 'shows an incident in detail with Format-List: priority factors, classification, assets' {
        Set-Incident -Id 2 -Status Resolved -Classification TruePositive -Determination Malware -ResolvingComment 'Reimaged'
        $text = (Get-Incident -Id 2 | Show -List) -join "`n"
        Should-FitIn80 ($text -split "`n")
        $text | Should -Match 'Priority\s+: 0, closed \(when open \d+: Severity 40, '
        $text | Should -Match 'Classification\s+: TruePositive / Malware'
        $text | Should -Match 'ImpactedAssets\s+: 1 device\(s\), 1 user\(s\), 1 mailbox\(es\)'
        $text | Should -Match 'ResolvingComment\s+: Reimaged'
        $text | Should -Match 'FirstActivity\s+: 2026-11-02 08:55:00 UTC'
        (Get-Incident -Id 6 | Show -List) -join "`n" | Should -Match 'Priority\s+: \d+ \(Severity 40, '
    }

    It 'shows alerts with whole severities, Informational included' {
        $lines = Get-IncidentAlert -AlertId '*' | Show
        Should-FitIn80 $lines
        $lines[1] | Should -Match '^Incident Severity Title\s+Category\s+FirstActivity$'
        $lines -match '^\s+5 Info\s+Scheduled scan' | Should -Not -BeNullOrEmpty
        $lines -match ' Informatio…' | Should -BeNullOrEmpty
        $detail = (Get-IncidentAlert -AlertId ct0005 | Show -List) -join "`n"
        $detail | Should -Match 'Evidence\s+: User bob@contoso.com; Device db02.contoso.local'
        $detail | Should -Match 'MitreTechniques : T1135'
    }

    It 'shows entities with whole type names' {
        $lines = Get-IncidentEntity | Show
        Should-FitIn80 $lines
        $lines[1] | Should -Match '^Incident Type\s+Name\s+Alerts LastSeen$'
        $lines -match '\s(RegistryKey|CloudApplication|MailMessage)\s' | Should -Not -BeNullOrEmpty
        $lines -match '…\s+\d+ \d{4}-' | ForEach-Object { $_ | Should -Not -Match '^\s+\d+ \S*…' -Because 'a type is never cut' }
        (Get-IncidentEntity -IncidentId 4 -Type Device | Select-Object -First 1 | Show -List) -join "`n" | Should -Match 'Properties\s+: deviceId='
    }

    It 'shows the history with whole field names and renames, wrapping long changes' {
        $old = (Get-Incident -Id 6).DisplayName
        $new = 'Ransomware on ws01 after a phishing mail to alice, escalated to the incident response team'
        Set-Incident -Id 6 -DisplayName $new -Classification TruePositive -Determination MultiStagedAttack
        $lines = Get-IncidentHistory -IncidentId 6 | Show
        Should-FitIn80 $lines
        $lines[1] | Should -Match '^Time\s+Actor\s+Action\s+Change$'
        $start = $lines[1].IndexOf('Change')
        $changes = ($lines | Select-Object -Skip 3 | Where-Object { $_.Length -gt $start } | ForEach-Object { $_.Substring($start) }) -join '' -replace '\s'
        $changes | Should -BeLike "*DisplayName:$($old -replace '\s')->$($new -replace '\s')*"
        $changes | Should -BeLike '*Classification:Unknown->TruePositive*'
        $changes | Should -BeLike '*Determination:Unknown->MultiStagedAttack*'
    }

    It 'shows comments on one line each and control characters harmlessly' {
        Add-IncidentComment -IncidentId 1 -Comment "first line`nsecond line" -Author 'automation@contoso.com' | Out-Null
        Set-Incident -Id 1 -DisplayName "Evil`e[31mred`a`u{202E}gnp.exe" | Out-Null
        $lines = Get-IncidentComment -IncidentId 1 | Show
        Should-FitIn80 $lines
        $lines -match ' automation@cont… first line second line$' | Should -Not -BeNullOrEmpty
        $queue = (Get-Incident -Id 1 | Show) -join "`n"
        $queue | Should -Match 'Evil\\x1b\[31mred\\x07'
        $queue | Should -Not -Match "`e"
        $wide = Get-Incident -Id 1 | Out-String -Width 200
        $wide | Should -Match ([regex]::Escape('\u202egnp.exe')) -Because 'a right-to-left override would show the name reversed'
        $wide | Should -Not -Match "`u{202E}"
    }

    It 'shows the import summary with every count and the incident ids' {
        $store = New-TestStore
        $text = (Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $store | Show) -join "`n"
        $text | Should -Match 'Files\s+: 1 \(0 unchanged\)'
        $text | Should -Match 'Created\s+: 11'
        $text | Should -Match 'Incidents\s+: 5 created, 0 updated, 2 merged'
        $text | Should -Match 'CreatedIncidentIds\s+: 1, 3, 4, 5, 7'
        $text | Should -Match 'MergedIncidentIds\s+: 2, 6'
        $text | Should -Match "Store\s+: $([regex]::Escape($store))"
        $text | Should -Not -Match 'Stopped'
    }
}
