BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

# The benchmark's smoke test: build.ps1 -Task Bench at a small size (500 and 1,000 alerts instead of 10k and 100k,
# so that it takes well under a minute on 2 busy cores). It checks that every figure is produced; the figures
# themselves are printed, never asserted: timing depends on the machine.
Describe 'The benchmark (smoke size)' {
    BeforeAll {
        $script:BenchOut = New-TestFolder
        $tool = Join-Path $BenchOut 'tool'
        $build = & dotnet build (Join-Path $RepoRoot 'bench/IncidentTools.Bench/IncidentTools.Bench.csproj') -c Release --nologo -v quiet -o $tool 2>&1
        if ($LASTEXITCODE -ne 0) { throw "The bench tool did not build: $build" }
        $script:Printed = @(& (Join-Path $RepoRoot 'bench/Invoke-Bench.ps1') -Size 500, 1000 -QueryRepeat 1 -ModulePath $ModuleManifest `
                -BenchTool (Join-Path $tool 'IncidentTools.Bench.dll') -OutputPath $BenchOut 6>&1 | ForEach-Object { "$_" })
        $script:Printed | Write-Host
        $script:Results = Get-Content -Raw (Join-Path $BenchOut 'results.json') | ConvertFrom-Json
    }
    AfterAll { Remove-Item $BenchOut -Recurse -Force -ErrorAction SilentlyContinue }

    It 'writes the generated files once and reuses them' {
        $Results.Files.Count | Should -Be 2
        foreach ($f in $Results.Files) {
            $f.GraphNdjson, $f.GraphJsonArray, $f.SentinelCsv | ForEach-Object { $_ | Should -Exist }
            $f.GraphNdjsonBytes | Should -BeGreaterThan (3KB * $f.Size)
        }
        $again = & dotnet (Join-Path $BenchOut 'tool/IncidentTools.Bench.dll') generate --size 500 --out (Join-Path $BenchOut 'data') | ConvertFrom-Json
        $again.Reused | Should -BeTrue
    }

    It 'measures the floor, Import-Alert of each file and the plain-PowerShell way at each size' {
        foreach ($size in 500, 1000) {
            $measures = @($Results.Imports | Where-Object Size -eq $size | ForEach-Object Measure)
            $measures | Should -Be @('Floor (NDJSON)', 'Import-Alert (NDJSON)', 'Import-Alert (JSON array)', 'Import-Alert (Sentinel CSV)', 'Plain PowerShell (NDJSON)')
        }
        foreach ($row in $Results.Imports) {
            $row.Seconds | Should -BeGreaterThan 0
            $row.AlertsPerSecond | Should -BeGreaterThan 0
            $row.PeakMB | Should -BeGreaterThan 0
        }
    }

    It 'times the four queries on the smallest and the largest store' {
        @($Results.Queries).Count | Should -Be 8
        ($Results.Queries | Where-Object Size -eq 1000 | Where-Object Query -like 'Get-IncidentEntity*').Rows | Should -BeGreaterThan 0
        ($Results.Queries | Where-Object Size -eq 1000 | Where-Object Query -like 'Default queue page*').Rows | Should -Be 50
        ($Results.Queries | Where-Object Query -like 'Entity lookup*').Rows | ForEach-Object { $_ | Should -BeGreaterThan 0 }
    }

    It 'prints the tables and says for each target whether it holds' {
        $Printed -join "`n" | Should -Match 'Targets'
        # Half the floor and the plain-PowerShell rate at both sizes, growth, memory for 3 formats, 4 queries.
        @($Results.Targets).Count | Should -Be 12
        $Results.Targets | ForEach-Object { $_.Holds | Should -BeOfType [bool] }
    }
}
