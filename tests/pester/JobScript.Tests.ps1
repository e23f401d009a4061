BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $job = Join-Path $RepoRoot 'examples/Import-AlertJob.ps1'

    # Runs the job as a scheduler would: a fresh pwsh -NoProfile -NonInteractive -File with arguments.
    function Invoke-Job([string[]] $Arguments) {
        $output = @(& $Pwsh -NoProfile -NonInteractive -File $job -Module $ModuleManifest @Arguments 2>&1 | ForEach-Object { "$_" })
        [pscustomobject]@{ Output = $output; ExitCode = $LASTEXITCODE; Text = $output -join "`n" }
    }
}

Describe 'The scheduled job example (examples/Import-AlertJob.ps1)' {
    It 'imports a folder, reports the new high-severity incidents and exits 0; the next run reports nothing new' {
        $folder = New-TestFolder
        Copy-Item (Join-Path $Samples 'contoso-graph-alerts.json') $folder
        $store = New-TestStore
        $report = Join-Path (New-TestFolder) 'last-run.json'
        $run = Invoke-Job -Arguments '-Folder', $folder, '-Store', $store, '-ReportPath', $report
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $json = Get-Content -Raw $report | ConvertFrom-Json
        $run.Text | Should -Match '1 file\(s\) in .*: 11 alerts read, 11 created, 0 updated, 0 failed records, 0 file problems; 4 incident\(s\) of severity High or above'
        $run.Output | Should -Contain "  #7 High Active, priority $($json.Incidents.Where({ $_.Id -eq 7 }).Priority), 1 alert(s), last activity 2026-11-20 11:01:00Z: Suspicious PowerShell download cradle on one endpoint"
        $run.Text | Should -Not -Match "`e" -Because 'a log gets no colour codes'
        $run.Text | Should -Not -Match 'Scheduled scan' -Because 'an informational incident is not reported'
        $json.Incidents.Id | Sort-Object | Should -Be @(1, 3, 5, 7)
        $json.Incidents.Severity | Sort-Object -Unique | Should -Be 'High'
        $json.Summary.Created | Should -Be 11

        $again = Invoke-Job -Arguments '-Folder', $folder, '-Store', $store
        $again.ExitCode | Should -Be 0
        $again.Text | Should -Match '0 alerts read, 0 created.*; 0 incident\(s\)' -Because 'an unchanged file is not read again'
    }

    It 'exits 1 and logs the bad record when a record fails, importing the good ones' {
        $folder = New-TestFolder
        $docs = Get-Content -Raw (Join-Path $Samples 'graph_docs_v1_list_alerts_v2_response.json') | ConvertFrom-Json
        @(($docs.value[0] | ConvertTo-Json -Depth 20 -Compress), '{"id": "broken", "title": ') | Set-Content (Join-Path $folder 'alerts.ndjson')
        $store = New-TestStore
        $run = Invoke-Job -Arguments '-Folder', $folder, '-Store', $store, '-MinimumSeverity', 'Low'
        $run.ExitCode | Should -Be 1 -Because $run.Text
        $run.Text | Should -Match 'alerts\.ndjson, line 2'
        $run.Text | Should -Match '1 created, 0 updated, 1 failed records'
    }

    It 'writes the incident objects with -PassThru' {
        $folder = New-TestFolder
        Copy-Item (Join-Path $Samples 'contoso-graph-alerts.json') $folder
        $r = Invoke-FreshPwsh "& '$job' -Folder '$folder' -Store '$(New-TestStore)' -Module '$ModuleManifest' -PassThru -InformationAction Ignore | ForEach-Object { 'id=' + `$_.Id }"
        $r.Output | Sort-Object | Should -Be @('id=1', 'id=3', 'id=5', 'id=7')
    }

    It 'exits 2 when the import cannot run at all' {
        $run = Invoke-Job -Arguments '-Folder', (Join-Path (New-TestFolder) 'missing')
        $run.ExitCode | Should -Be 2
        $run.Text | Should -Match 'does not exist'
    }
}
