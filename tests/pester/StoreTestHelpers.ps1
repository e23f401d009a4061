# Helpers for the store-safety tests: generated alert files, child processes and raw SQL on a store.

# Writes NDJSON of Graph alerts_v2 alerts: alert i has provider id "<Prefix>-<i>", its own time and a user shared
# by GroupSize consecutive alerts (so they correlate into one incident), plus a device evidence.
function New-GraphAlertNdjson([string] $Path, [int] $Count, [string] $Prefix = 'gen', [int] $GroupSize = 5, [int] $Start = 0) {
    $t0 = [datetime]::new(2026, 1, 1, 0, 0, 0, [DateTimeKind]::Utc)
    $sb = [System.Text.StringBuilder]::new()
    $line = '{{"@odata.type":"#microsoft.graph.security.alert","id":"{0}","providerAlertId":"{0}","tenantId":"11111111-1111-1111-1111-111111111111","title":"Generated alert {0}","severity":"medium","status":"new","category":"Execution","serviceSource":"microsoftDefenderForEndpoint","detectionSource":"edr","createdDateTime":"{1}","firstActivityDateTime":"{1}","lastActivityDateTime":"{2}","evidence":[{{"@odata.type":"#microsoft.graph.security.userEvidence","roles":[],"verdict":"suspicious","userAccount":{{"userPrincipalName":"{3}@contoso.com"}}}},{{"@odata.type":"#microsoft.graph.security.deviceEvidence","roles":[],"verdict":"suspicious","mdeDeviceId":"dev-{3}","deviceDnsName":"ws-{3}.contoso.local"}}]}}'
    for ($i = $Start; $i -lt $Start + $Count; $i++) {
        $first = $t0.AddMinutes($i * 7)
        $group = [math]::Floor($i / $GroupSize)
        [void]$sb.AppendLine(($line -f "$Prefix-$i", $first.ToString('o'), $first.AddMinutes(1).ToString('o'), "$Prefix-u$group"))
    }
    [IO.File]::WriteAllText($Path, $sb.ToString())
}

# Starts `$PSHOME/pwsh -NoProfile -NonInteractive -File <script>` with the module imported first; output goes to files.
function Start-ChildPwsh([string] $Script, [string] $Name) {
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("it-child-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory $dir | Out-Null
    $file = Join-Path $dir "$Name.ps1"
    Set-Content -Path $file -Value ("`$ErrorActionPreference = 'Stop'`nImport-Module '$ModuleManifest'`n" + $Script)
    $p = Start-Process -FilePath $Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $file -PassThru `
        -RedirectStandardOutput (Join-Path $dir 'out.txt') -RedirectStandardError (Join-Path $dir 'err.txt')
    [pscustomobject]@{ Name = $Name; Process = $p; Folder = $dir }
}

# Waits for a child and returns its exit code, stdout lines and stderr text.
function Wait-ChildPwsh($Child, [int] $TimeoutSeconds = 120) {
    if (-not $Child.Process.WaitForExit($TimeoutSeconds * 1000)) {
        $Child.Process.Kill($true)
        throw "$($Child.Name) did not finish within $TimeoutSeconds s"
    }
    $Child.Process.WaitForExit()
    [pscustomobject]@{
        Name     = $Child.Name
        ExitCode = $Child.Process.ExitCode
        Output   = @(Get-Content (Join-Path $Child.Folder 'out.txt') -ErrorAction SilentlyContinue)
        Error    = (Get-Content -Raw (Join-Path $Child.Folder 'err.txt') -ErrorAction SilentlyContinue)
    }
}

# Runs one SQL query on a store file with the SQLite provider the module loaded; returns the first column of each row.
function Invoke-StoreSql([string] $Store, [string] $Sql) {
    $assembly = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Data.Sqlite' } | Select-Object -First 1
    if (-not $assembly) { Get-Incident -Store $Store -First 1 | Out-Null; return Invoke-StoreSql $Store $Sql }
    $connection = [Activator]::CreateInstance($assembly.GetType('Microsoft.Data.Sqlite.SqliteConnection'), @("Data Source=$Store;Pooling=False"))
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = $Sql
        $reader = $command.ExecuteReader()
        while ($reader.Read()) { $reader.GetValue(0) }
        $reader.Dispose()
    }
    finally { $connection.Dispose() }
}
