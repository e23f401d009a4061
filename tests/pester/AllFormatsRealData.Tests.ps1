BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:skipShared = -not $HasSharedData
    # Per file under ../shared/data: what reading it by hand says Import-Alert must do (see SOURCES.md there and
    # docs/formats.md). Failed = records refused with one clear error each; Skipped = records that are not alerts;
    # ErrorId = the one whole-file error of a file that is not alert data (the SOURCES.md files a wildcard picks up).
    $script:expectations = @(
        @{ File = 'aws-guardduty-asff/custodian_securityhub_guardduty_findings.json'; Read = 5; Created = 5; Skipped = 0; Failed = 0; Types = 'AccessKey', 'Ip', 'User' }
        @{ File = 'aws-guardduty-asff/ocsf_examples_sechub_guardduty_raw_asff.json'; Read = 1; Created = 1; Skipped = 0; Failed = 0; Types = 'AccessKey', 'Ip', 'User' }
        @{ File = 'chainsaw-hunt-csv/chainsaw_lotl_sigma.csv'; Read = 35; Created = 35; Skipped = 0; Failed = 0; Types = 'Device', 'File', 'Process', 'User' }
        @{ File = 'elastic-security-alert/elastic_integrations_elastic_security_alert.jsonl'; Read = 1; Created = 1; Skipped = 0; Failed = 0; Types = 'Device', 'File', 'Ip', 'Process', 'User' }
        @{ File = 'google-secops-detection/elastic_integrations_google_secops_detection.jsonl'; Read = 1; Created = 1; Skipped = 0; Failed = 0; Types = 'Device', 'Ip', 'User', 'Url' }
        @{ File = 'guide/guide_test_sample4k_uvaasree.csv'; Read = 4000; Created = 3870; Skipped = 0; Failed = 0; Types = 'Ip', 'User' }
        @{ File = 'guide/guide_sample10k_yasin281.csv'; Read = 10000; Created = 9312; Skipped = 0; Failed = 0; Types = 'CloudApplication', 'Device', 'File', 'Ip', 'Mailbox', 'MailMessage', 'Process', 'Url', 'User' }
        @{ File = 'ms-graph-security-alerts-v2/demisto_graph_get_alert_v2_no_evidence.json'; Read = 1; Created = 1; Skipped = 0; Failed = 0; Types = @() }
        @{ File = 'ms-graph-security-alerts-v2/graph_docs_v1_list_alerts_v2_response.json'; Read = 1; Created = 1; Skipped = 0; Failed = 0; Types = 'Device', 'File', 'Process', 'RegistryKey', 'User' }
        @{ File = 'ms-graph-security-incidents/graph_docs_v1_list_incidents_expand_alerts_response.json'; Read = 1; Created = 1; Skipped = 0; Failed = 0; Types = 'Device', 'File', 'Process', 'RegistryKey', 'User' }
        @{ File = 'ocsf-detection-finding/ocsf_examples_prowler_detection_finding.json'; Read = 1; Created = 1; Skipped = 0; Failed = 0; Types = 'CloudResource' }
        @{ File = 'SOURCES.md'; Read = 0; Created = 0; Skipped = 0; Failed = 0; Types = @(); ErrorId = 'UnknownFormat' }
        @{ File = 'guide/SOURCES.md'; Read = 0; Created = 0; Skipped = 0; Failed = 0; Types = @(); ErrorId = 'UnknownFormat' }
        @{ File = 'hayabusa-json/hayabusa_docs_examples.jsonl'; Read = 4; Created = 4; Skipped = 0; Failed = 0; Types = 'Device', 'Ip', 'User' }
        @{ File = 'm365d-advanced-hunting-alertinfo-alertevidence/elastic_m365d_streaming_alertinfo_alertevidence.jsonl'; Read = 4; Created = 1; Skipped = 0; Failed = 0; Types = @() }
        @{ File = 'ms-graph-security-alerts-legacy-v1/demisto_graph_legacy_alert_v1_get.json'; Read = 1; Created = 0; Skipped = 0; Failed = 1; Types = @(); ErrorText = 'alerts_v2' }
        @{ File = 'ms-graph-security-incidents/demisto_graph_incidents_list_response.json'; Read = 2; Created = 0; Skipped = 2; Failed = 0; Types = @() }
        @{ File = 'ocsf-detection-finding/ocsf_examples_okta_detection_finding.json'; Read = 1; Created = 1; Skipped = 0; Failed = 0; Types = 'Ip' }
        @{ File = 'ocsf-detection-finding/ocsf_examples_sechub_guardduty_detection_finding.json'; Read = 1; Created = 1; Skipped = 0; Failed = 0; Types = 'AccessKey', 'Ip', 'User' }
        @{ File = 'ocsf-detection-finding/ocsf_examples_ssc_security_finding_malware.json'; Read = 4; Created = 4; Skipped = 0; Failed = 0; Types = 'Domain', 'Ip', 'Malware' }
        @{ File = 'sentinel-securityalert/msticpy_alertlist.csv'; Read = 189; Created = 189; Skipped = 0; Failed = 0; Types = 'Device', 'File', 'Ip', 'Process', 'User' }
        @{ File = 'sentinel-securityalert/elastic_sentinel_eventhub_securityalert.jsonl'; Read = 1; Created = 1; Skipped = 0; Failed = 0; Types = 'User' }
        @{ File = 'sentinel-securityincident/elastic_sentinel_incident_api.jsonl'; Read = 1; Created = 0; Skipped = 1; Failed = 0; Types = @() }
        @{ File = 'suricata-eve/icedid_eve.json'; Read = 235; Created = 35; Skipped = 200; Failed = 0; Types = 'Domain', 'Ip', 'Url' }
        @{ File = 'wazuh-alerts/wazuh_docs_osquery_alerts.jsonl'; Read = 5; Created = 5; Skipped = 0; Failed = 0; Types = 'Device', 'Ip' }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'Importing every real sample format in ../shared/data' -Skip:$skipShared {
    It 'imports <File> as expected' -ForEach $expectations {
        $store = New-TestStore
        $summary = Import-Alert -LiteralPath (Join-Path $SharedData $File) -Store $store -ErrorVariable errs -ErrorAction SilentlyContinue
        $summary.Read | Should -Be $Read
        $summary.Created | Should -Be $Created
        $summary.Skipped | Should -Be $Skipped
        $summary.Failed | Should -Be $Failed
        if ($ErrorId) {
            $errs.Count | Should -Be 1 -Because 'a file that is not alert data is one error, never one per row'
            $errs[0].FullyQualifiedErrorId | Should -Match "^$ErrorId,"
            $errs[0].Exception.Message | Should -Match ([regex]::Escape($File.Split('/')[-1]))
        }
        else { $errs.Count | Should -Be $Failed }
        if ($Failed) { $errs[0].Exception.Message | Should -Match ([regex]::Escape($File.Split('/')[-1])) }
        if ($Failed) { $errs[0].Exception.Message | Should -Match $ErrorText }
        $types = @(Get-IncidentEntity -Store $store | ForEach-Object { $_.Type.ToString() } | Sort-Object -Unique)
        foreach ($t in $Types) { $types | Should -Contain $t -Because "$File carries $t entities" }
    }
}

Describe 'Coverage of ../shared/data' -Skip:$skipShared -ForEach @{ ExpectedFiles = $expectations.File } {
    It 'has an expectation for every JSON, JSONL, CSV and Markdown file there' {
        $root = (Resolve-Path $SharedData).Path
        $present = Get-ChildItem $root -Recurse -File -Include *.json, *.jsonl, *.ndjson, *.csv, *.md |
            ForEach-Object { [IO.Path]::GetRelativePath($root, $_.FullName).Replace('\', '/') } | Sort-Object
        $present | Should -Be ($ExpectedFiles | Sort-Object) -Because 'a new sample file needs its own expectation here'
    }

    It 'imports the whole folder with a wildcard: one error per non-alert file, none per row' {
        $store = New-TestStore
        $summary = Import-Alert -Path (Join-Path $SharedData '*'), (Join-Path $SharedData '*/*') -Store $store -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.FullyQualifiedErrorId | Where-Object { $_ -like 'UnknownFormat,*' } | Should -HaveCount 2
        $summary.Failed | Should -Be 1 -Because 'only the legacy Graph alert is refused'
        $summary.Files | Should -Be $ExpectedFiles.Count
    }
}

Describe 'Import-Csv rows from the pipeline' -Skip:$skipShared {
    It 'binds a Sentinel CSV export row by row and matches the file import exactly' {
        $store = New-TestStore
        $csv = Join-Path $SharedData 'sentinel-securityalert/msticpy_alertlist.csv'
        $piped = Import-Csv $csv -WarningAction SilentlyContinue | Import-Alert -Store $store
        $piped.Read | Should -Be 189
        $piped.Created | Should -Be 189
        $fromFile = Import-Alert -Path $csv -Store $store
        $fromFile.Unchanged | Should -Be 189 -Because 'the same alerts read from the file are the same alerts'
    }
}
