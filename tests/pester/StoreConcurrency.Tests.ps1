# Issue 7 (concurrency, online backup) and issue 5 (two-process edits): real separate pwsh processes on one store.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'StoreTestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'One store, an importing job and two analysts at once' {
    BeforeAll {
        $store = New-TestStore
        $files = New-TestFolder
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $store | Out-Null
        $batches = 12
        for ($b = 0; $b -lt $batches; $b++) { New-GraphAlertNdjson -Path (Join-Path $files "batch$b.ndjson") -Count 150 -Start ($b * 150) }
        $seconds = 10

        # The job imports file after file; the reader queries the queue; the editor tags incidents; all for ~10 s.
        $importer = Start-ChildPwsh -Name importer -Script @"
foreach (`$f in Get-ChildItem '$files' -Filter *.ndjson | Sort-Object { [int](`$_.BaseName -replace '\D') }) {
    `$s = Import-Alert -LiteralPath `$f.FullName -Store '$store'
    "imported `$(`$s.Created)"
}
"@
        $reader = Start-ChildPwsh -Name reader -Script @"
`$end = [datetime]::UtcNow.AddSeconds($seconds); `$n = 0
while ([datetime]::UtcNow -lt `$end) {
    `$null = Get-Incident -Store '$store' -Status Active -SortBy Priority -First 50
    `$null = Get-Incident -Store '$store' -Tag 'edit-*' | Get-IncidentAlert -Store '$store'
    `$n++
}
"queries `$n"
"@
        $editor = Start-ChildPwsh -Name editor -Script @"
`$end = [datetime]::UtcNow.AddSeconds($seconds); `$n = 0
while ([datetime]::UtcNow -lt `$end) {
    foreach (`$incident in Get-Incident -Store '$store' -Id 1, 3, 5, 7) {
        `$n++
        `$incident | Set-Incident -Store '$store' -AddTag "edit-`$n" -Comment "comment `$n"
        "edited `$(`$incident.Id) `$n"
    }
}
"@
        $results = @($importer, $reader, $editor) | ForEach-Object { Wait-ChildPwsh $_ -TimeoutSeconds 180 }
    }

    It 'finishes every process without any error reaching a user (no "database is locked")' {
        foreach ($r in $results) {
            $r.Error | Should -BeNullOrEmpty -Because "$($r.Name) must not see an error"
            $r.ExitCode | Should -Be 0 -Because "$($r.Name) ran to the end"
        }
        ($results | Where-Object Name -eq reader).Output[-1] | Should -Match '^queries [1-9]'
        Write-Host "importer: $(($results | Where-Object Name -eq importer).Output.Count) files; reader: $(($results | Where-Object Name -eq reader).Output[-1]); editor: $(($results | Where-Object Name -eq editor).Output.Count) edits"
    }

    It 'keeps every imported alert' {
        (($results | Where-Object Name -eq importer).Output | Where-Object { $_ -like 'imported *' }).Count | Should -Be $batches
        Invoke-StoreSql $store "SELECT count(*) FROM alerts WHERE provider_alert_id LIKE 'gen-%'" | Should -Be ($batches * 150)
        Invoke-StoreSql $store 'SELECT count(*) FROM alerts WHERE incident_id IS NULL OR needs_correlation = 1' | Should -Be 0
    }

    It 'keeps every edit: each tag and comment the editor wrote is on its incident' {
        $edits = ($results | Where-Object Name -eq editor).Output | Where-Object { $_ -like 'edited *' }
        $edits.Count | Should -BeGreaterThan 4
        $tags = Invoke-StoreSql $store "SELECT incident_id || ' ' || substr(tag, 6) FROM incident_tags WHERE tag LIKE 'edit-%'"
        $comments = Invoke-StoreSql $store "SELECT incident_id || ' ' || substr(comment, 9) FROM comments WHERE comment LIKE 'comment %'"
        $expected = $edits | ForEach-Object { $_.Substring(7) } | Sort-Object
        $tags | Sort-Object | Should -Be $expected
        $comments | Sort-Object | Should -Be $expected
    }

    It 'leaves a store that passes the integrity check' {
        Invoke-StoreSql $store 'PRAGMA integrity_check' | Should -Be 'ok'
    }
}

Describe 'Two people edit one incident from two processes at once' {
    BeforeAll {
        $store = New-TestStore
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $store | Out-Null
        $barrier = New-TestFolder
        # Both read incidents 1, 3 and 5, wait until the other has read them too, then write.
        $edit = {
            param($Name, $Assignee, $OtherField, $Tag)
            @"
`$one, `$three, `$five = Get-Incident -Store '$store' -Id 1, 3, 5 -SortBy Id -Ascending
New-Item -ItemType File '$barrier/$Name' | Out-Null
while (@(Get-ChildItem '$barrier').Count -lt 2) { Start-Sleep -Milliseconds 20 }
function Try-Set([string] `$Case, [scriptblock] `$Change) {
    try { & `$Change; "`$Case ok" }
    catch { "`$Case error `$(`$_.FullyQualifiedErrorId) `$(`$_.CategoryInfo.Category) `$(`$_.Exception.Message)" }
}
Try-Set same { `$one | Set-Incident -Store '$store' -AssignedTo '$Assignee' }
Try-Set other { `$three | Set-Incident -Store '$store' $OtherField }
Try-Set tags { `$five | Set-Incident -Store '$store' -AddTag '$Tag' -Comment 'from $Name' }
"@
        }
        $a = Start-ChildPwsh -Name alice -Script (& $edit 'alice' 'alice@contoso.com' '-Status InProgress' 'seen-by-alice')
        $b = Start-ChildPwsh -Name bob -Script (& $edit 'bob' 'bob@contoso.com' '-Classification TruePositive -Determination Malware' 'seen-by-bob')
        $results = @($a, $b) | ForEach-Object { Wait-ChildPwsh $_ -TimeoutSeconds 120 }
        $lines = $results.Output
    }

    It 'runs both processes to the end' {
        foreach ($r in $results) { $r.ExitCode | Should -Be 0; $r.Error | Should -BeNullOrEmpty }
    }

    It 'lets one change to the same field win and fails the other with IncidentVersionConflict naming the field and who changed it' {
        $same = $lines | Where-Object { $_ -like 'same *' }
        $same.Count | Should -Be 2
        @($same | Where-Object { $_ -eq 'same ok' }).Count | Should -Be 1
        $conflict = $same | Where-Object { $_ -ne 'same ok' }
        $conflict | Should -Match '^same error IncidentVersionConflict,IncidentTools\.Commands\.SetIncidentCommand WriteError '
        $conflict | Should -Match 'AssignedTo set to'
        $winner = (Get-Incident -Store $store -Id 1).AssignedTo
        $winner | Should -BeIn @('alice@contoso.com', 'bob@contoso.com')
        $conflict | Should -Match ([regex]::Escape("'$winner' by $([Environment]::UserName)"))
        (Get-IncidentHistory -Store $store -IncidentId 1 | Where-Object Field -eq AssignedTo).Count | Should -Be 1
    }

    It 'applies both changes to different fields' {
        $lines | Where-Object { $_ -like 'other *' } | Should -Be @('other ok', 'other ok')
        $three = Get-Incident -Store $store -Id 3
        $three.Status | Should -Be 'InProgress'
        $three.Classification | Should -Be 'TruePositive'
        $three.Determination | Should -Be 'Malware'
    }

    It 'never makes tags or comments conflict' {
        $lines | Where-Object { $_ -like 'tags *' } | Should -Be @('tags ok', 'tags ok')
        (Get-Incident -Store $store -Id 5).Tags | Should -Be @('seen-by-alice', 'seen-by-bob')
        (Get-IncidentComment -Store $store -IncidentId 5).Comment | Sort-Object | Should -Be @('from alice', 'from bob')
    }
}

Describe 'Backup-IncidentStore while another process writes' {
    BeforeAll {
        $store = New-TestStore
        $files = New-TestFolder
        Import-Alert -Path (Join-Path $Samples 'contoso-graph-alerts.json') -Store $store | Out-Null
        for ($b = 0; $b -lt 8; $b++) { New-GraphAlertNdjson -Path (Join-Path $files "b$b.ndjson") -Count 300 -Start ($b * 300) -Prefix bk }
        $writer = Start-ChildPwsh -Name writer -Script @"
foreach (`$f in Get-ChildItem '$files' -Filter *.ndjson) { Import-Alert -LiteralPath `$f.FullName -Store '$store' | Out-Null }
'done'
"@
        $copies = [System.Collections.Generic.List[string]]::new()
        $target = New-TestFolder
        while (-not $writer.Process.HasExited -and $copies.Count -lt 6) {
            $copies.Add((Backup-IncidentStore -Store $store -Path (Join-Path $target "copy$($copies.Count).db") -PassThru).FullName)
            Start-Sleep -Milliseconds 300
        }
        $writerResult = Wait-ChildPwsh $writer -TimeoutSeconds 180
    }

    It 'does not disturb the writer' {
        $writerResult.Error | Should -BeNullOrEmpty
        $writerResult.Output | Should -Be 'done'
    }

    It 'takes copies that each pass the integrity check, hold whole imports and open as stores' {
        $copies.Count | Should -BeGreaterThan 0
        foreach ($copy in $copies) {
            Invoke-StoreSql $copy 'PRAGMA integrity_check' | Should -Be 'ok'
            Invoke-StoreSql $copy 'SELECT count(*) FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM alert_entities e WHERE e.alert_seq = a.seq)' | Should -Be 0
            (Invoke-StoreSql $copy "SELECT count(*) FROM alerts WHERE provider_alert_id LIKE 'bk-%'") % 300 | Should -Be 0 -Because 'each import of 300 alerts is one transaction'
            (Get-Incident -Store $copy -Id 1).Id | Should -Be 1
            if (-not $IsWindows) { (Get-Item $copy).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        }
    }

    It 'refuses to overwrite a backup without -Force, and -WhatIf writes nothing' {
        $first = $copies[0]
        $before = (Get-Item $first).LastWriteTimeUtc
        { Backup-IncidentStore -Store $store -Path $first -ErrorAction Stop } | Should -Throw -ErrorId 'BackupTargetExists,IncidentTools.Commands.BackupIncidentStoreCommand'
        Backup-IncidentStore -Store $store -Path $first -Force -WhatIf
        (Get-Item $first).LastWriteTimeUtc | Should -Be $before
        Backup-IncidentStore -Store $store -Path $first -Force
        Invoke-StoreSql $first "SELECT count(*) FROM alerts WHERE provider_alert_id LIKE 'bk-%'" | Should -Be 2400
        $whatIf = Join-Path $target 'never.db'
        Backup-IncidentStore -Store $store -Path $whatIf -WhatIf
        Test-Path $whatIf | Should -BeFalse
        { Backup-IncidentStore -Store $store -Path $store -Force -ErrorAction Stop } | Should -Throw -ErrorId 'BackupTargetIsStore,IncidentTools.Commands.BackupIncidentStoreCommand'
    }
}
