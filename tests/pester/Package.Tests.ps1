BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'The gallery package' {
    It 'is built by Publish-PSResource, installs from a repository into a module path and works in a fresh pwsh' {
        $repository = New-TestFolder
        $modules = New-TestFolder
        $settings = New-TestFolder
        # The package and its installed copy are large (the native SQLite of every platform): leave no copies behind.
        $script:cleanup = $repository, $modules, $settings
        $packer = Join-Path $RepoRoot 'build/New-ModulePackage.ps1'
        & $Pwsh -NoProfile -NonInteractive -File $packer -ModulePath (Split-Path $ModuleManifest) -OutputPath $repository | Out-Null
        $LASTEXITCODE | Should -Be 0
        $manifest = Import-PowerShellDataFile $ModuleManifest
        Join-Path $repository "IncidentTools.$($manifest.ModuleVersion).nupkg" | Should -Exist

        # Installing uses its own repository registration, kept in a temporary settings folder.
        $install = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
`$env:XDG_DATA_HOME = '$settings'; `$env:LOCALAPPDATA = '$settings'
Register-PSResourceRepository -Name ItTest -Uri '$repository' -Trusted
`$found = Find-PSResource -Name IncidentTools -Repository ItTest
"found=`$(`$found.Version) tags=`$(`$found.Tags -contains 'Defender') project=`$(`$found.ProjectUri)"
Save-PSResource -Name IncidentTools -Repository ItTest -Path '$modules' -TrustRepository
"@
        $install.ExitCode | Should -Be 0 -Because ($install.Output -join "`n")
        $install.Output | Should -Contain "found=$($manifest.ModuleVersion) tags=True project=$($manifest.PrivateData.PSData.ProjectUri)"

        $store = New-TestStore
        $use = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = '$modules' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module IncidentTools
"from=`$((Get-Module IncidentTools).ModuleBase)"
"created=`$((Import-Alert -Path '$Samples/contoso-graph-alerts.json' -Store '$store').Created)"
"incidents=`$(@(Get-Incident -Store '$store').Count)"
"help=`$((Get-Help Import-Alert).Synopsis)"
"licence=`$(Test-Path (Join-Path (Get-Module IncidentTools).ModuleBase 'LICENSE'))"
"@
        $use.ExitCode | Should -Be 0 -Because ($use.Output -join "`n")
        $use.Output | Should -Contain "from=$(Join-Path $modules "IncidentTools/$($manifest.ModuleVersion)")"
        $use.Output | Should -Contain 'created=11'
        $use.Output | Should -Contain 'incidents=7'
        $use.Output | Should -Contain 'licence=True'
        ($use.Output -match '^help=Imports') | Should -Not -BeNullOrEmpty
    }

    AfterAll { if ($script:cleanup) { Remove-Item $script:cleanup -Recurse -Force -ErrorAction SilentlyContinue } }

    It 'has the manifest fields a gallery shows' {
        $manifest = Import-PowerShellDataFile $ModuleManifest
        $manifest.ModuleVersion | Should -Match '^\d+\.\d+\.\d+$'
        $manifest.Description | Should -Not -BeNullOrEmpty
        $manifest.CompatiblePSEditions | Should -Be 'Core'
        $manifest.PowerShellVersion | Should -Be '7.6'
        $manifest.FormatsToProcess | Should -Be 'IncidentTools.Format.ps1xml'
        $manifest.CmdletsToExport | Should -Not -Contain '*'
        $psData = $manifest.PrivateData.PSData
        $psData.Tags | Should -Contain 'Security'
        $psData.ProjectUri | Should -Match '^https://'
        $psData.LicenseUri | Should -Match '^https://.*LICENSE$'
        $psData.ReleaseNotes | Should -Match '### New Features' -Because 'the build stamps the version''s CHANGELOG section'
        Join-Path $RepoRoot 'LICENSE' | Should -Exist
    }
}
