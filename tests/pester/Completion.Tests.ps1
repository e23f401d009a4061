BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    $store = New-TestStore
    Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $store | Out-Null
    Set-Incident -Id 1 -AddTag 'needs review', 'vip' -AssignedTo 'alice@contoso.com' -Store $store
    Set-Incident -Id 3 -AddTag 'vip' -AssignedTo 'bob@contoso.com' -Store $store
    Set-Incident -Id 5 -AssignedTo 'bob@contoso.com' -Store $store

    # What the user gets after typing $line and pressing Tab.
    function Complete([string] $line) {
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
    }
}

Describe 'Argument completion' {
    It 'completes incident ids with the incident name as list text and tooltip, open incidents first' {
        $m = Complete "Get-Incident -Store '$store' -Id "
        $m.CompletionText | Should -Be @('7', '5', '4', '3', '1', '6', '2') -Because 'open incidents by last activity, then the redirected ones'
        $one = $m | Where-Object CompletionText -eq '1'
        $name = (Get-Incident -Id 1 -Store $store).DisplayName
        $one.ListItemText | Should -BeLike "1 $($name.Substring(0, 40))*"
        $one.ToolTip | Should -BeLike "$name (High, Active, 4 alerts, *"
    }

    It 'completes ids from the digits typed, or finds incidents by a word of their name' {
        (Complete "Set-Incident -Store '$store' -Id 7").CompletionText | Should -Be '7'
        (Complete "Get-IncidentAlert -Store '$store' -IncidentId lateral").CompletionText | Should -Be '3'
        foreach ($command in 'Get-IncidentEntity', 'Add-IncidentComment', 'Get-IncidentComment', 'Get-IncidentHistory') {
            (Complete "$command -Store '$store' -IncidentId 4").CompletionText | Should -Be '4' -Because "$command -IncidentId completes ids"
        }
    }

    It 'completes tags most used first, quoting those with spaces; -RemoveTag offers the tags of the incident given' {
        (Complete "Get-Incident -Store '$store' -Tag ").CompletionText | Should -Be @('vip', "'needs review'")
        (Complete "Set-Incident -Store '$store' -Id 3 -RemoveTag ").CompletionText | Should -Be 'vip'
        (Complete "Set-Incident -Store '$store' -Id 3 -AddTag 'ne").CompletionText | Should -Be "'needs review'"
    }

    It 'completes assignees most assigned first' {
        (Complete "Get-Incident -Store '$store' -AssignedTo ").CompletionText | Should -Be @('bob@contoso.com', 'alice@contoso.com')
        (Complete "Set-Incident -Store '$store' -Id 4 -AssignedTo al").CompletionText | Should -Be 'alice@contoso.com'
    }

    It 'completes entity names, of the -Type given' {
        (Complete "Get-Incident -Store '$store' -Entity ws0").CompletionText | Should -Contain 'ws01.contoso.local'
        $users = Complete "Get-IncidentEntity -Store '$store' -Type User -Name "
        $users.CompletionText | Should -Contain 'bob@contoso.com'
        $users.CompletionText | Should -Contain "'NT AUTHORITY\SYSTEM'" -Because 'a name with a space is quoted'
        $users.CompletionText | Should -Not -Contain 'ws01.contoso.local'
    }

    It 'completes MITRE tactics for -Category' {
        (Complete 'Get-Incident -Category Cred').CompletionText | Should -Be 'CredentialAccess'
    }

    It 'completes enum parameters with their values' {
        (Complete 'Get-Incident -Status ').CompletionText | Should -Be @('Active', 'InProgress', 'Redirected', 'Resolved')
        (Complete 'Set-Incident -Id 1 -Severity M').CompletionText | Should -Be 'Medium'
        (Complete 'Set-Incident -Id 1 -Classification T').CompletionText | Should -Be 'TruePositive'
        (Complete 'Set-Incident -Id 1 -Determination Mal').CompletionText | Should -Be @('MaliciousUserActivity', 'Malware')
        (Complete 'Get-Incident -SortBy Pr').CompletionText | Should -Be 'Priority'
        (Complete 'Get-IncidentEntity -Type Dev').CompletionText | Should -Be 'Device'
    }

    It 'reads a -Store given as a relative path against the current location' {
        Push-Location (Split-Path $store)
        try { (Complete "Get-Incident -Store ./$(Split-Path $store -Leaf) -Id 7").CompletionText | Should -Be '7' }
        finally { Pop-Location }
    }

    It 'offers nothing, creates no store and writes no error when the store is missing or not a store' {
        $missing = Join-Path (New-TestFolder) 'none/incidents.db'
        $Error.Clear()
        Complete "Get-Incident -Store '$missing' -Id " | Should -BeNullOrEmpty
        Split-Path $missing | Should -Not -Exist
        $env:INCIDENTTOOLS_STORE = $missing
        try { Complete 'Get-Incident -Tag ' | Should -BeNullOrEmpty }
        finally { Remove-Item Env:INCIDENTTOOLS_STORE }
        Split-Path $missing | Should -Not -Exist
        $junk = Join-Path (New-TestFolder) 'junk.db'
        'not a store' | Set-Content $junk
        Complete "Get-Incident -Store '$junk' -AssignedTo " | Should -BeNullOrEmpty
        Get-Content $junk | Should -Be 'not a store'
        $Error.Count | Should -Be 0
    }
}
