BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    # An NDJSON export of $Count small Graph alerts, each with one user of its own.
    function New-BigExport([int] $Count) {
        $file = Join-Path (New-TestFolder) 'big.ndjson'
        $t0 = [datetime]'2026-01-01T00:00:00Z'
        $sb = [Text.StringBuilder]::new()
        for ($i = 0; $i -lt $Count; $i++) {
            $ts = $t0.AddMinutes($i).ToString('o')
            [void]$sb.Append('{"@odata.type":"#microsoft.graph.security.alert","id":"gen-').Append($i).Append('","title":"Generated alert","severity":"medium","status":"new","category":"Execution","serviceSource":"microsoftDefenderForEndpoint","detectionSource":"edr","tenantId":"t1","createdDateTime":"').Append($ts).Append('","firstActivityDateTime":"').Append($ts).Append('","lastActivityDateTime":"').Append($ts).Append('","evidence":[{"@odata.type":"#microsoft.graph.security.userEvidence","userAccount":{"userPrincipalName":"user').Append($i).Append('@contoso.com"}}]}').Append("`n")
        }
        [IO.File]::WriteAllText($file, $sb.ToString())
        $file
    }

    # Import-Alert in a PowerShell instance of this process, so the test can read its progress and stop it.
    function Start-Import([string] $File, [string] $Store, [string] $ProgressPreference = 'Continue') {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("`$ProgressPreference = '$ProgressPreference'; Import-Module '$ModuleManifest'; Import-Alert -Path '$File' -Store '$Store'")
        [pscustomobject]@{ PowerShell = $ps; Async = $ps.BeginInvoke() }
    }
}

Describe 'Import progress and Ctrl+C' {
    BeforeAll { $file = New-BigExport 12000 }

    It 'reports records, megabytes and rate while importing, and stops within a second keeping whole alerts' {
        $store = New-TestStore
        $run = Start-Import $file $store
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        # Wait until the import is well under way: a progress record with some thousands of records read.
        while (-not ($run.PowerShell.Streams.Progress | Where-Object { $_.StatusDescription -match '^([\d,]+) records' -and [int]($Matches[1] -replace ',') -ge 2000 })) {
            if ([DateTime]::UtcNow -gt $deadline -or $run.Async.IsCompleted) { break }
            Start-Sleep -Milliseconds 20
        }
        $run.Async.IsCompleted | Should -BeFalse -Because 'the import must still be running when it is stopped'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $run.PowerShell.Stop()
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 2 -Because 'Ctrl+C stops an import within a second'
        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'

        $progress = @($run.PowerShell.Streams.Progress | Where-Object RecordType -eq 'Processing')
        $progress[0].Activity | Should -Be 'Importing alerts'
        $progress[-1].StatusDescription | Should -Match '^[\d,]+ records, [\d.]+ of [\d.]+ MB, [\d,]+ records/s$'
        $progress[-1].CurrentOperation | Should -Be $file
        $progress[-1].PercentComplete | Should -BeGreaterThan 0
        $progress[-1].PercentComplete | Should -BeLessThan 100
        $run.PowerShell.Dispose()

        # What was committed stays, every alert whole (with its evidence); the rest comes with the next run.
        $kept = @(Get-IncidentAlert -AlertId '*' -Store $store)
        $kept.Count | Should -BeLessThan 12000
        @($kept | Where-Object { $_.Evidence.Count -ne 1 }).Count | Should -Be 0
        $again = Import-Alert -Path $file -Store $store
        $again.Failed | Should -Be 0
        $again.Created + $again.Unchanged | Should -Be 12000
        $again.Created | Should -Be (12000 - $kept.Count)
        @(Get-IncidentAlert -AlertId 'gen-1*' -Store $store).Count | Should -Be 3111 -Because 'no alert is stored twice (gen-1, gen-10..19, ..., gen-10000..11999)'
        @(Get-Incident -Store $store -First 5).Count | Should -Be 5
    }

    It 'writes no progress with $ProgressPreference = SilentlyContinue' {
        $small = New-BigExport 300
        $run = Start-Import $small (New-TestStore) -ProgressPreference SilentlyContinue
        $summary = $run.PowerShell.EndInvoke($run.Async)
        $summary.Created | Should -Be 300
        $run.PowerShell.Streams.Progress.Count | Should -Be 0
        $run.PowerShell.Dispose()
    }
}
