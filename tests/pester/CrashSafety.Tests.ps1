# Issue 7: an import killed (kill -9) half way leaves a sound store of whole batches, and running it again completes it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'StoreTestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'An import killed in the middle' {
    BeforeAll {
        $store = New-TestStore
        $file = Join-Path (New-TestFolder) 'large.ndjson'
        $total = 45000 # more than one batch (20,000 alerts or 5 s), so the kill lands between two commits
        New-GraphAlertNdjson -Path $file -Count $total -Prefix crash
        $sizeMb = (Get-Item $file).Length / 1MB
        # Make the store (and the module's SQLite) ready before timing the child.
        Set-IncidentCorrelationPolicy -Store $store -Reset | Out-Null

        $child = Start-ChildPwsh -Name importer -Script "Import-Alert -LiteralPath '$file' -Store '$store' | Out-Null; 'finished'"
        # Kill it once its first batch is committed, while it writes the next one.
        $deadline = [datetime]::UtcNow.AddSeconds(120)
        while (-not $child.Process.HasExited -and [datetime]::UtcNow -lt $deadline -and
               (Invoke-StoreSql $store 'SELECT count(*) FROM alerts') -eq 0) { Start-Sleep -Milliseconds 50 }
        Start-Sleep -Milliseconds 400
        $killedWhileRunning = -not $child.Process.HasExited
        Stop-Process -Id $child.Process.Id -Force -ErrorAction SilentlyContinue
        $child.Process.WaitForExit()
        $storedAfterKill = Invoke-StoreSql $store "SELECT count(*) FROM alerts"
        Write-Host ("{0:N1} MB file; killed while running: {1}; alerts stored after the kill: {2}" -f $sizeMb, $killedWhileRunning, $storedAfterKill)
    }

    It 'was killed before it finished' {
        $sizeMb | Should -BeGreaterThan 2
        $killedWhileRunning | Should -BeTrue -Because 'the test must interrupt the import; make the file larger if the import got faster'
        $storedAfterKill | Should -BeGreaterThan 0 -Because 'the first batch was committed before the kill'
        $storedAfterKill | Should -BeLessThan $total
    }

    It 'leaves a store that passes the integrity check' {
        Invoke-StoreSql $store 'PRAGMA integrity_check' | Should -Be 'ok'
    }

    It 'holds whole batches only: every alert with its entities, every incident with its alerts' {
        $storedAfterKill % 5000 | Should -Be 0 -Because 'alerts are committed 5000 to a transaction'
        Invoke-StoreSql $store 'SELECT count(*) FROM alerts a WHERE (SELECT count(*) FROM alert_entities e WHERE e.alert_seq = a.seq) <> 2' | Should -Be 0
        Invoke-StoreSql $store 'SELECT count(*) FROM incidents i WHERE i.status <> 3 AND i.alert_count <> (SELECT count(*) FROM alerts a WHERE a.incident_id = i.id)' | Should -Be 0
        Invoke-StoreSql $store 'SELECT count(*) FROM incidents i WHERE i.status <> 3 AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id)' | Should -Be 0
        Invoke-StoreSql $store 'SELECT count(*) FROM imported_files' | Should -Be 0 -Because 'a file whose import did not complete is not remembered as imported'
    }

    It 'completes on a re-run of the same import, with no duplicates' {
        $summary = Import-Alert -LiteralPath $file -Store $store
        $summary.UnchangedFiles | Should -Be 0
        $summary.Created + $summary.Unchanged | Should -Be $total
        $summary.Created | Should -Be ($total - $storedAfterKill)
        Invoke-StoreSql $store 'SELECT count(*) FROM alerts' | Should -Be $total
        Invoke-StoreSql $store 'SELECT count(DISTINCT provider_alert_id) FROM alerts' | Should -Be $total
        Invoke-StoreSql $store 'SELECT count(*) FROM alerts WHERE incident_id IS NULL OR needs_correlation = 1' | Should -Be 0
        Invoke-StoreSql $store 'SELECT sum(alert_count) FROM incidents WHERE status <> 3' | Should -Be $total
        Invoke-StoreSql $store 'SELECT count(*) FROM alert_entities' | Should -Be (2 * $total)
        # Five alerts share a user and device, seven minutes apart: one incident each.
        Invoke-StoreSql $store 'SELECT count(*) FROM incidents WHERE status <> 3' | Should -Be ($total / 5)
        Invoke-StoreSql $store 'PRAGMA integrity_check' | Should -Be 'ok'
        (Import-Alert -LiteralPath $file -Store $store).UnchangedFiles | Should -Be 1
    }
}
