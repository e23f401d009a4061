BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    $docsAlert = (Get-Content -Raw (Join-Path $Samples 'graph_docs_v1_list_alerts_v2_response.json') | ConvertFrom-Json).value[0]
    $esc = [char]27
    $bel = [char]7
    $csi = [char]0x9b
    # Text an attacker controls: SQL, format strings, markup, ANSI and OSC escape sequences, a C1 control.
    $hostileTitle = "'; DROP TABLE alerts; -- {0} %s %n <script>alert(1)</script> $esc[31mRED$esc[0m $esc]0;pwned$bel $csi" + '2J'
    $hostileUser = "eve$esc[2J'); DELETE FROM incidents; --"
    $hostileTag = "<b>{1}</b> %x $esc[5m"
}

Describe 'Alert text written by an attacker' {
    BeforeAll {
        $env:INCIDENTTOOLS_STORE = New-TestStore
        $dir = New-TestFolder
        $alert = $docsAlert.PSObject.Copy()
        $alert.id = 'hostile-1'
        $alert.title = $hostileTitle
        $alert.category = "Execution$esc[8m"
        $alert.systemTags = @($hostileTag)
        $alert.evidence = @([pscustomobject]@{
                '@odata.type' = '#microsoft.graph.security.userEvidence'; roles = @(); verdict = 'suspicious'
                userAccount   = [pscustomobject]@{ accountName = $hostileUser; domainName = 'CONTOSO'; userSid = 'S-1-5-21-1-2-3-1001' }
            })
        $file = Join-Path $dir 'hostile.json'
        $alert | ConvertTo-Json -Depth 20 | Set-Content $file
        $summary = Import-Alert -Path $file
        $PSStyle.OutputRendering = 'Ansi' # PowerShell itself strips nothing: the views must make the text inert
    }
    AfterAll {
        $PSStyle.OutputRendering = 'Host'
        Remove-Item Env:INCIDENTTOOLS_STORE
    }

    It 'stores the text verbatim and the SQL in it stays data' {
        $summary.Created | Should -Be 1
        $stored = Get-IncidentAlert -AlertId hostile-1
        $stored.Title | Should -BeExactly $hostileTitle
        $stored.ProviderContext['SystemTags'] | Should -BeExactly $hostileTag
        ($stored.Evidence | Where-Object Type -eq User).Name.Contains($hostileUser) | Should -BeTrue
        @(Get-Incident).Count | Should -Be 1 -Because 'no table was dropped and no incident deleted'
    }

    It 'finds it by its own text through a filter without the text acting as a pattern or query' {
        @(Get-IncidentAlert -AlertId "hostile-1").Count | Should -Be 1
        @(Get-Incident -Entity "*DELETE FROM incidents*").Count | Should -Be 1
    }

    It 'shows control characters escaped in every table view' {
        foreach ($out in @(
                (Get-Incident | Out-String -Width 400),
                (Get-IncidentAlert -AlertId hostile-1 | Out-String -Width 400),
                (Get-Incident | Get-IncidentEntity | Out-String -Width 400))) {
            # PowerShell styles the header itself; the rows holding the attacker's text must carry no control character.
            $rows = @($out -split '\r?\n' | Where-Object { $_ -match 'DROP TABLE|DELETE FROM' })
            $rows.Count | Should -BeGreaterThan 0
            # The views colour severity and status themselves: those exact styles are the only escapes allowed.
            $ownStyles = 'BrightRed', 'Yellow', 'Cyan' | ForEach-Object { $PSStyle.Foreground.$_ }
            $ownStyles += $PSStyle.Bold, $PSStyle.Dim, $PSStyle.Reset
            foreach ($row in $rows) {
                foreach ($style in $ownStyles) { $row = $row.Replace($style, '') }
                $row | Should -Not -Match '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]' -Because 'no escape sequence from alert text reaches the terminal'
            }
        }
        $alertTable = Get-IncidentAlert -AlertId hostile-1 | Out-String -Width 400
        $alertTable | Should -Match ([regex]::Escape('\x1b[31mRED\x1b[0m'))
        $alertTable | Should -Match ([regex]::Escape("'; DROP TABLE alerts; -- {0} %s %n <script>alert(1)</script>"))
        $alertTable | Should -Match ([regex]::Escape('\x9b2J'))
        (Get-Incident | Get-IncidentEntity | Out-String -Width 400) | Should -Match ([regex]::Escape('eve\x1b[2J'))
    }
}

Describe 'Import limits on the Alert object' {
    BeforeAll { $env:INCIDENTTOOLS_STORE = New-TestStore }
    AfterAll { Remove-Item Env:INCIDENTTOOLS_STORE }

    It 'records a cut title in Truncated and keeps the original record whole' {
        $alert = $docsAlert.PSObject.Copy()
        $alert.id = 'long-title'
        $alert.title = 'x' * 5000
        $stored = $alert | Import-Alert -MaxTitleLength 100 -PassThru
        $stored.Title.Length | Should -Be 100
        $cut = $stored.Truncated | Where-Object Field -eq 'Title'
        $cut.OriginalLength | Should -Be 5000
        $cut.KeptLength | Should -Be 100
        $original = (Get-IncidentAlert -AlertId long-title -IncludeOriginal).OriginalRecord | ConvertFrom-Json
        $original.title.Length | Should -Be 5000
    }

    It 'refuses a cap too small to be useful, naming the parameter' {
        { Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -MaxEvidencePerAlert 0 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,IncidentTools.Commands.ImportAlertCommand'
    }
}
