# Help is part of the product: every exported cmdlet and parameter has help that Get-Help finds, and the about
# topics are found by name. The help is built from docs/en-US by build/New-MamlHelp.ps1.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    $script:Cmdlets = @(Get-Command -Module IncidentTools -CommandType Cmdlet | ForEach-Object {
            $cmd = $_
            @{
                Name       = $cmd.Name
                Parameters = @($cmd.Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.Cmdlet]::CommonParameters } |
                        ForEach-Object { @{ Command = $cmd.Name; Parameter = $_ } })
            }
        })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'Help of <Name>' -ForEach $Cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full -ErrorAction Stop
    }

    It 'comes from the MAML file, not the generated stub' {
        $help.Synopsis | Should -Not -Match '^\s*(\S+\s+)?\[?-'   # a stub's synopsis is the syntax line
        "$($help.Description.Text)" | Should -Not -BeNullOrEmpty
    }

    It 'has a synopsis' {
        $help.Synopsis.Trim() | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '\{\{'
    }

    It 'has a description' {
        ($help.Description.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples with code' {
        $examples = @($help.Examples.Example | Where-Object { "$($_.Code)".Trim() })
        $examples.Count | Should -BeGreaterOrEqual 2
    }

    It 'describes -<Parameter>' -ForEach $Parameters {
        $p = Get-Help $Command -Parameter $Parameter -ErrorAction Stop
        ($p.Description.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty -Because "-$Parameter of $Command needs a description in docs/en-US/$Command.md"
    }
}

Describe 'Help in a fresh pwsh' {
    It 'Get-Help Import-Alert -Full, -Examples and -Parameter Path show the real content' {
        $r = Invoke-FreshPwsh @"
Import-Module '$ModuleManifest'
Get-Help Import-Alert -Full | Out-String -Width 200
'=====EXAMPLES'
Get-Help Import-Alert -Examples | Out-String -Width 200
'=====PARAMETER'
Get-Help Import-Alert -Parameter Path | Out-String -Width 200
"@
        $r.ExitCode | Should -Be 0
        $text = $r.Output -join "`n"
        $full, $rest = $text -split '=====EXAMPLES'
        $examples, $parameter = $rest -split '=====PARAMETER'
        $full | Should -Match 'Imports security alerts from files'
        $full | Should -Match 'Import-Alert -LiteralPath <String\[\]>'
        $full | Should -Match 'Example 1'
        $examples | Should -Match 'Example 2'
        $examples | Should -Match 'PS> Import-Alert'
        $parameter | Should -Match 'Files to import'
        $parameter | Should -Match 'Accept wildcard characters\?\s+true'
    }
}

Describe 'About topics' {
    It 'Get-Help <_> finds the topic' -ForEach @('about_IncidentTools', 'about_IncidentTools_Correlation') {
        $text = Get-Help $_ | Out-String
        $text | Should -Match "TOPIC\s+$_\b"
        $text | Should -Match 'LONG DESCRIPTION'
    }

    It 'about_IncidentTools explains the store location' {
        Get-Help about_IncidentTools | Out-String | Should -Match 'INCIDENTTOOLS_STORE'
    }
}

Describe 'New-MamlHelp.ps1' {
    It 'fails, naming the cmdlet and parameter, when help is missing' {
        $docs = New-TestFolder
        $module = Join-Path (New-TestFolder) 'IncidentTools'
        try {
            Copy-Item (Split-Path $ModuleManifest) $module -Recurse
            Copy-Item (Join-Path $RepoRoot 'docs/en-US/*.md') $docs
            Remove-Item (Join-Path $docs 'Get-IncidentComment.md')
            $md = Join-Path $docs 'Get-IncidentHistory.md'
            (Get-Content -Raw $md) -replace '(?s)(### -Store\n).*?(```yaml)', "`$1`n`$2" | Set-Content $md
            $output = & $Pwsh -NoProfile -NonInteractive -File (Join-Path $RepoRoot 'build/New-MamlHelp.ps1') -ModulePath $module -DocsPath $docs 2>&1 | ForEach-Object { "$_" }
            $LASTEXITCODE | Should -Not -Be 0
            ($output -join "`n") | Should -Match 'Get-IncidentComment: no help markdown'
            ($output -join "`n") | Should -Match 'Get-IncidentHistory: parameter -Store has no description'
        }
        finally { Remove-Item $docs, (Split-Path $module) -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
