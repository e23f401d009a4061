@{
    # The version comes from Directory.Build.props; build.ps1 stamps it into the laid-out copy of this file.
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0f5d55-2a47-4a5c-9d0e-7c1f3c0e2b9a'
    RootModule           = 'IncidentTools.psm1'
    Author               = 'IncidentTools contributors'
    CompanyName          = 'IncidentTools'
    Copyright            = '(c) IncidentTools contributors. MIT License.'
    Description          = 'A local Microsoft 365 Defender-style incident queue: import security alerts from many products, correlate them into incidents, and triage them from PowerShell.'
    PowerShellVersion    = '7.6'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('IncidentTools.Format.ps1xml')
    CmdletsToExport      = @(
        'Import-Alert'
        'Get-Incident'
        'Set-Incident'
        'Get-IncidentAlert'
        'Get-IncidentEntity'
        'Add-IncidentComment'
        'Get-IncidentComment'
        'Get-IncidentHistory'
        'Remove-Alert'
        'Remove-Incident'
        'Backup-IncidentStore'
        'Get-IncidentCorrelation'
        'Get-IncidentCorrelationPolicy'
        'Set-IncidentCorrelationPolicy'
        'Merge-Incident'
        'Move-IncidentAlert'
        'Invoke-IncidentCorrelation'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Security', 'SOC', 'Incident', 'Alert', 'Defender', 'Sentinel', 'SIEM', 'Triage', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/incidenttools/IncidentTools'
            LicenseUri   = 'https://github.com/incidenttools/IncidentTools/blob/main/LICENSE'
            # build.ps1 stamps this version's CHANGELOG.md section here.
            ReleaseNotes = 'See CHANGELOG.md'
        }
    }
}
