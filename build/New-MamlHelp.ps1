#Requires -Version 7.6
<#
.SYNOPSIS
    Builds the module's MAML help and about topics from docs/en-US (platyPS layout) and Get-Command metadata.
.DESCRIPTION
    PlatyPS cannot be installed here, so this does its New-ExternalHelp part. For every exported cmdlet of the
    module laid out in -ModulePath it reads docs/en-US/<Cmdlet>.md and writes <ModulePath>/en-US/IncidentTools.dll-Help.xml:
      - syntax, parameter types, Mandatory, Position, pipeline input, aliases, parameter sets and accepted
        enum/ValidateSet values come from Get-Command, so they never drift from the code;
      - synopsis, description, examples, parameter descriptions, default values, wildcard support, inputs,
        outputs, notes and related links come from the markdown.
    about_*.md topics become <ModulePath>/en-US/about_*.help.txt (plain text).

    It fails, naming what is missing, when an exported cmdlet has no markdown, when the markdown has no synopsis,
    no description or fewer than two examples, when a parameter (other than the common parameters) has no
    description, or when the markdown documents a parameter the cmdlet does not have.

    With -UpdateMarkdown it instead rewrites the SYNTAX section and the yaml block of every parameter in the
    markdown from the metadata (adding skeletons for new cmdlets and parameters, keeping all prose), like
    platyPS's Update-MarkdownHelp. Run it in a fresh pwsh after changing parameters, then write the prose.
.EXAMPLE
    pwsh -NoProfile -File build/New-MamlHelp.ps1 -ModulePath out/IncidentTools -DocsPath docs/en-US
.EXAMPLE
    pwsh -NoProfile -File build/New-MamlHelp.ps1 -ModulePath out/IncidentTools -DocsPath docs/en-US -UpdateMarkdown
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [switch] $UpdateMarkdown
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ModulePath = (Resolve-Path $ModulePath).Path
$DocsPath = (Resolve-Path $DocsPath).Path
$moduleName = 'IncidentTools'
$helpFileName = 'IncidentTools.dll-Help.xml'
$onlineBase = 'https://github.com/incidenttools/IncidentTools/blob/main/docs/en-US'
$commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters

#region Metadata from Get-Command

function Get-ShortTypeName([type] $type) {
    $underlying = [Nullable]::GetUnderlyingType($type)
    if ($underlying) { $type = $underlying }
    $type.Name
}

function Get-AcceptedValues([System.Management.Automation.ParameterMetadata] $parameter) {
    $set = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    if ($set) { return @($set.ValidValues) }
    $type = $parameter.ParameterType
    if ($type.IsArray) { $type = $type.GetElementType() }
    $underlying = [Nullable]::GetUnderlyingType($type)
    if ($underlying) { $type = $underlying }
    if ($type.IsEnum) { return @([Enum]::GetNames($type)) }
    @()
}

function Format-PipelineInput([bool] $byValue, [bool] $byName) {
    if ($byValue -and $byName) { 'True (ByPropertyName, ByValue)' }
    elseif ($byValue) { 'True (ByValue)' }
    elseif ($byName) { 'True (ByPropertyName)' }
    else { 'False' }
}

# One object per documented parameter: what the code says about it, across its parameter sets.
function Get-ParameterFacts([System.Management.Automation.CommandInfo] $command) {
    foreach ($p in $command.Parameters.Values | Where-Object { $_.Name -notin $commonParameters }) {
        $sets = @($p.ParameterSets.Keys)
        $setInfo = @($sets | ForEach-Object { $p.ParameterSets[$_] })
        $allSets = $sets -contains '__AllParameterSets'
        $setNames = if ($allSets) { '(All)' } else { ($sets | Sort-Object) -join ', ' }
        $required = @($setInfo | ForEach-Object { $_.IsMandatory } | Sort-Object -Unique)
        $positions = @($setInfo | ForEach-Object { $_.Position } | Sort-Object -Unique)
        $byValue = [bool]($setInfo | Where-Object ValueFromPipeline)
        $byName = [bool]($setInfo | Where-Object ValueFromPipelineByPropertyName)
        [pscustomobject]@{
            Name           = $p.Name
            Type           = Get-ShortTypeName $p.ParameterType
            FullType       = $p.ParameterType
            IsSwitch       = $p.SwitchParameter
            ParameterSets  = $setNames
            Aliases        = @($p.Aliases)
            Required       = if ($required.Count -eq 1) { [string]$required[0] } else { ($sets | Sort-Object | ForEach-Object { "$($p.ParameterSets[$_].IsMandatory) ($_)" }) -join ', ' }
            RequiredAny    = $required -contains $true
            Position       = if ($positions.Count -eq 1) { if ($positions[0] -lt 0) { 'Named' } else { [string]$positions[0] } } else { ($sets | Sort-Object | ForEach-Object { $pos = $p.ParameterSets[$_].Position; "$(if ($pos -lt 0) { 'Named' } else { $pos }) ($_)" }) -join ', ' }
            PipelineInput  = Format-PipelineInput $byValue $byName
            AcceptedValues = @(Get-AcceptedValues $p)
            Metadata       = $p
        }
    }
}

# platyPS's syntax line for one parameter set, from the same metadata Get-Command -Syntax uses.
function Get-SyntaxLine([System.Management.Automation.CommandInfo] $command, [System.Management.Automation.CommandParameterSetInfo] $set) {
    $parts = [System.Collections.Generic.List[string]]::new()
    $parts.Add($command.Name)
    $ordered = @($set.Parameters | Where-Object Name -NotIn $commonParameters |
            Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -[int]$_.IsMandatory } })
    foreach ($p in $ordered) {
        $name = if ($p.Position -ge 0) { "[-$($p.Name)]" } else { "-$($p.Name)" }
        $text = if ($p.ParameterType -eq [switch]) { $name } else { "$name <$(Get-ShortTypeName $p.ParameterType)>" }
        if ($p.Position -ge 0 -and $p.ParameterType -ne [switch] -and -not $p.IsMandatory) { $text = "[$text]" }
        elseif (-not $p.IsMandatory) { $text = "[$text]" }
        $parts.Add($text)
    }
    if (@($set.Parameters | Where-Object Name -In $commonParameters).Count) { $parts.Add('[<CommonParameters>]') }
    $parts -join ' '
}

#endregion

#region Markdown

# Splits a platyPS markdown file into front matter, '## ' sections and, inside sections, '### ' subsections;
# headings inside fenced code blocks are text.
function Read-HelpMarkdown([string] $path) {
    $lines = (Get-Content -Raw $path) -replace "`r`n", "`n" -split "`n"
    $doc = [ordered]@{ FrontMatter = [ordered]@{}; Title = ''; Sections = [ordered]@{}; Path = $path }
    $i = 0
    if ($lines.Count -gt 0 -and $lines[0] -eq '---') {
        $i = 1
        while ($i -lt $lines.Count -and $lines[$i] -ne '---') {
            if ($lines[$i] -match '^\s*([^:]+):\s*(.*)$') { $doc.FrontMatter[$Matches[1].Trim()] = $Matches[2].Trim() }
            $i++
        }
        $i++
    }
    $section = $null; $fence = $false
    for (; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($line -match '^\s*(```|~~~)') { $fence = -not $fence }
        if (-not $fence -and $line -match '^# (.+)$' -and -not $doc.Title) { $doc.Title = $Matches[1].Trim(); continue }
        if (-not $fence -and $line -match '^## (.+)$') {
            $section = [ordered]@{ Name = $Matches[1].Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            $doc.Sections[$section.Name] = $section
            continue
        }
        if ($section) { $section.Lines.Add($line) }
    }
    $doc
}

function Split-Subsections([string[]] $lines) {
    $result = [System.Collections.Generic.List[object]]::new()
    $current = $null; $fence = $false
    $preamble = [System.Collections.Generic.List[string]]::new()
    foreach ($line in $lines) {
        if ($line -match '^\s*(```|~~~)') { $fence = -not $fence }
        if (-not $fence -and $line -match '^### (.+)$') {
            $current = [pscustomobject]@{ Title = $Matches[1].Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            $result.Add($current)
            continue
        }
        if ($current) { $current.Lines.Add($line) } else { $preamble.Add($line) }
    }
    [pscustomobject]@{ Preamble = $preamble; Items = $result }
}

function Get-SectionLines($doc, [string] $name) {
    if ($doc.Sections.Contains($name)) { @($doc.Sections[$name].Lines) } else { @() }
}

# Markdown prose to paragraphs: blank lines separate paragraphs, list items and table rows stay one per
# paragraph, fenced code stays verbatim. Inline markup that means nothing in a console is removed.
function ConvertTo-Paragraphs([string[]] $lines) {
    $paras = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    $code = $null
    $flush = { if ($buffer.Count) { $paras.Add((Convert-Inline ($buffer -join ' '))); $buffer.Clear() } }
    foreach ($line in $lines) {
        if ($null -ne $code) {
            if ($line -match '^\s*(```|~~~)') { $paras.Add(($code -join "`n")); $code = $null } else { $code.Add($line) }
            continue
        }
        if ($line -match '^\s*(```|~~~)') { & $flush; $code = [System.Collections.Generic.List[string]]::new(); continue }
        if ($line.Trim() -eq '') { & $flush; continue }
        if ($line -match '^\s*([-*]|\d+\.)\s+' -or $line -match '^\s*\|') {
            & $flush
            if ($line -match '^\s*\|[-:| ]+\|\s*$') { continue }  # table separator row
            $buffer.Add($line.Trim()); & $flush
            continue
        }
        if ($line -match '^\s{2,}\S' -and $paras.Count -and $buffer.Count -eq 0 -and $paras[-1] -match '^([-*]|\d+\.)\s') {
            $paras[-1] += ' ' + (Convert-Inline $line.Trim())  # continuation of a list item
            continue
        }
        $buffer.Add($line.Trim())
    }
    & $flush
    if ($null -ne $code) { $paras.Add(($code -join "`n")) }
    $paras.ToArray()
}

function Convert-Inline([string] $text) {
    $text = $text -replace '\[([^\]]+)\]\([^)]+\)', '$1'    # links: keep the text
    $text = $text -replace '\*\*([^*]+)\*\*', '$1'          # bold
    $text = $text -replace '`([^`]+)`', '$1'                # inline code
    $text = $text -replace '\\([\\`*_{}\[\]()#+\-.!|<>])', '$1'  # markdown escapes
    $text
}

function Read-Yaml([string[]] $lines) {
    $yaml = [ordered]@{}
    $inside = $false
    foreach ($line in $lines) {
        if ($line -match '^\s*```\s*yaml\s*$') { $inside = $true; continue }
        if ($inside -and $line -match '^\s*```') { break }
        if ($inside -and $line -match '^([^:]+):\s*(.*)$') { $yaml[$Matches[1].Trim()] = $Matches[2].Trim() }
    }
    $yaml
}

# The parameters documented in the markdown: name → description lines (before the yaml block) and yaml.
function Get-MarkdownParameters($doc) {
    $result = [ordered]@{}
    foreach ($item in (Split-Subsections (Get-SectionLines $doc 'PARAMETERS')).Items) {
        if ($item.Title -notmatch '^-(\w+)$') { continue }
        $name = $Matches[1]
        $description = [System.Collections.Generic.List[string]]::new()
        foreach ($line in $item.Lines) { if ($line -match '^\s*```\s*yaml') { break }; $description.Add($line) }
        $result[$name] = [pscustomobject]@{
            Description = @(ConvertTo-Paragraphs $description.ToArray())
            Yaml        = Read-Yaml $item.Lines.ToArray()
        }
    }
    $result
}

function Get-MarkdownExamples($doc) {
    foreach ($item in (Split-Subsections (Get-SectionLines $doc 'EXAMPLES')).Items) {
        $code = [System.Collections.Generic.List[string]]::new()
        $remarks = [System.Collections.Generic.List[string]]::new()
        $block = $null
        foreach ($line in $item.Lines) {
            if ($null -ne $block) {
                if ($line -match '^\s*```') { if ($code.Count) { $code.Add('') }; $code.AddRange($block); $block = $null } else { $block.Add($line) }
                continue
            }
            if ($line -match '^\s*```') { $block = [System.Collections.Generic.List[string]]::new(); continue }
            $remarks.Add($line)
        }
        [pscustomobject]@{ Title = $item.Title; Code = ($code -join "`n"); Remarks = @(ConvertTo-Paragraphs $remarks.ToArray()) }
    }
}

# INPUTS / OUTPUTS: '### Type' then its description.
function Get-MarkdownTypes($doc, [string] $section) {
    foreach ($item in (Split-Subsections (Get-SectionLines $doc $section)).Items) {
        [pscustomobject]@{ Type = (Convert-Inline $item.Title); Description = @(ConvertTo-Paragraphs $item.Lines.ToArray()) }
    }
}

function Get-MarkdownLinks($doc) {
    foreach ($line in Get-SectionLines $doc 'RELATED LINKS') {
        if ($line -match '^\s*\[([^\]]+)\]\(([^)]*)\)') {
            $uri = $Matches[2]
            if ($uri -notmatch '^https?://') { $uri = '' }   # relative links name another help topic
            [pscustomobject]@{ Text = $Matches[1]; Uri = $uri }
        }
    }
}

#endregion

#region -UpdateMarkdown: platyPS's Update-MarkdownHelp, for syntax and parameter metadata only

function Format-ParameterYaml($fact, $existing) {
    $default = if ($existing -and $existing.Contains('Default value')) { $existing['Default value'] } elseif ($fact.IsSwitch) { 'False' } else { 'None' }
    $wildcards = if ($existing -and $existing.Contains('Accept wildcard characters')) { $existing['Accept wildcard characters'] }
    elseif ($fact.Metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }) { 'True' } else { 'False' }
    $lines = @(
        '```yaml'
        "Type: $($fact.Type)"
        "Parameter Sets: $($fact.ParameterSets)"
        "Aliases: $($fact.Aliases -join ', ')".TrimEnd()
        $(if ($fact.AcceptedValues.Count) { "Accepted values: $($fact.AcceptedValues -join ', ')" })
        ''
        "Required: $($fact.Required)"
        "Position: $($fact.Position)"
        "Default value: $default"
        "Accept pipeline input: $($fact.PipelineInput)"
        "Accept wildcard characters: $wildcards"
        '```'
    )
    $lines | Where-Object { $null -ne $_ }
}

function Update-CommandMarkdown([System.Management.Automation.CommandInfo] $command, [string] $path) {
    $doc = if (Test-Path $path) { Read-HelpMarkdown $path } else { $null }
    $facts = @(Get-ParameterFacts $command | Sort-Object Name)
    $existingParams = if ($doc) { Get-MarkdownParameters $doc } else { [ordered]@{} }
    $paramItems = if ($doc) { (Split-Subsections (Get-SectionLines $doc 'PARAMETERS')).Items } else { @() }
    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('---')
    $out.Add("external help file: $helpFileName")
    $out.Add("Module Name: $moduleName")
    $out.Add("online version: $onlineBase/$($command.Name).md")
    $out.Add('schema: 2.0.0')
    $out.Add('---')
    $out.Add('')
    $out.Add("# $($command.Name)")
    $out.Add('')
    function Add-Section([string] $name, [string[]] $default) {
        $out.Add("## $name")
        $body = if ($doc -and $doc.Sections.Contains($name)) { @($doc.Sections[$name].Lines) } else { $default }
        $body = @($body)
        while ($body.Count -and $body[0].Trim() -eq '') { $body = @($body | Select-Object -Skip 1) }
        while ($body.Count -and $body[-1].Trim() -eq '') { $body = @($body | Select-Object -SkipLast 1) }
        $out.Add('')
        foreach ($l in $body) { $out.Add($l) }
        $out.Add('')
    }
    Add-Section 'SYNOPSIS' @('{{ Fill in the Synopsis }}')
    $out.Add('## SYNTAX'); $out.Add('')
    foreach ($set in $command.ParameterSets | Sort-Object { -not $_.IsDefault }, Name) {
        if ($command.ParameterSets.Count -gt 1) { $out.Add("### $($set.Name)$(if ($set.IsDefault) { ' (Default)' })"); }
        $out.Add('```'); $out.Add((Get-SyntaxLine $command $set)); $out.Add('```'); $out.Add('')
    }
    Add-Section 'DESCRIPTION' @('{{ Fill in the Description }}')
    Add-Section 'EXAMPLES' @('### Example 1', '```powershell', 'PS> {{ Add example code here }}', '```', '', '{{ Add example description here }}')
    $out.Add('## PARAMETERS'); $out.Add('')
    foreach ($fact in $facts) {
        $out.Add("### -$($fact.Name)")
        $item = $paramItems | Where-Object Title -EQ "-$($fact.Name)" | Select-Object -First 1
        $description = @()
        if ($item) { foreach ($line in $item.Lines) { if ($line -match '^\s*```\s*yaml') { break }; $description += $line } }
        while ($description.Count -and $description[-1].Trim() -eq '') { $description = @($description | Select-Object -SkipLast 1) }
        if (-not ($description | Where-Object { $_.Trim() })) { $description = @('{{ Fill in the Description }}') }
        foreach ($l in $description) { $out.Add($l) }
        $out.Add('')
        $existing = if ($existingParams.Contains($fact.Name)) { $existingParams[$fact.Name].Yaml } else { $null }
        foreach ($l in Format-ParameterYaml $fact $existing) { $out.Add($l) }
        $out.Add('')
    }
    $out.Add('### CommonParameters')
    $out.Add('This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).')
    $out.Add('')
    Add-Section 'INPUTS' @('### None')
    Add-Section 'OUTPUTS' @($command.OutputType | ForEach-Object { "### $($_.Name)" })
    Add-Section 'NOTES' @('')
    Add-Section 'RELATED LINKS' @('[about_IncidentTools](about_IncidentTools.md)')
    while ($out[-1] -eq '') { $out.RemoveAt($out.Count - 1) }
    Set-Content -Path $path -Value ($out -join "`n") -NoNewline:$false
    Write-Host "Updated $path"
}

#endregion

#region MAML

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

function Write-Paras([System.Xml.XmlWriter] $w, [string[]] $paras) {
    if (-not $paras -or $paras.Count -eq 0) { $w.WriteStartElement('maml', 'para', $ns.maml); $w.WriteEndElement(); return }
    foreach ($p in $paras) { $w.WriteElementString('maml', 'para', $ns.maml, $p) }
}

function Write-Description([System.Xml.XmlWriter] $w, [string[]] $paras) {
    $w.WriteStartElement('maml', 'description', $ns.maml); Write-Paras $w $paras; $w.WriteEndElement()
}

function Write-Parameter([System.Xml.XmlWriter] $w, $fact, $doc, [bool] $required, [string] $position, [string] $pipeline) {
    $w.WriteStartElement('command', 'parameter', $ns.command)
    $w.WriteAttributeString('required', $required.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', ($fact.FullType.IsArray).ToString().ToLowerInvariant())
    $w.WriteAttributeString('globbing', ($doc.Yaml['Accept wildcard characters'] -eq 'True').ToString().ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', $pipeline)
    $w.WriteAttributeString('position', $position)
    $w.WriteAttributeString('aliases', $(if ($fact.Aliases.Count) { $fact.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $ns.maml, $fact.Name)
    Write-Description $w $doc.Description
    if ($fact.AcceptedValues.Count) {
        $w.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($v in $fact.AcceptedValues) {
            $w.WriteStartElement('command', 'parameterValue', $ns.command)
            $w.WriteAttributeString('required', 'false'); $w.WriteAttributeString('command', 'variableLength', $ns.command, 'false')
            $w.WriteString($v); $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    if (-not $fact.IsSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $ns.command)
        $w.WriteAttributeString('required', 'true'); $w.WriteAttributeString('variableLength', ($fact.FullType.IsArray).ToString().ToLowerInvariant())
        $w.WriteString($fact.Type); $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $ns.dev)
    $w.WriteElementString('maml', 'name', $ns.maml, $fact.Type)
    $w.WriteStartElement('maml', 'uri', $ns.maml); $w.WriteEndElement()
    $w.WriteEndElement()
    $default = if ($doc.Yaml.Contains('Default value')) { $doc.Yaml['Default value'] } elseif ($fact.IsSwitch) { 'False' } else { 'None' }
    $w.WriteElementString('dev', 'defaultValue', $ns.dev, $default)
    $w.WriteEndElement()
}

function Write-Command([System.Xml.XmlWriter] $w, [System.Management.Automation.CommandInfo] $command, $doc) {
    $params = Get-MarkdownParameters $doc
    $facts = @(Get-ParameterFacts $command)
    $w.WriteStartElement('command', 'command', $ns.command)
    $w.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $w.WriteAttributeString('xmlns', 'command', $null, $ns.command)
    $w.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)

    $w.WriteStartElement('command', 'details', $ns.command)
    $w.WriteElementString('command', 'name', $ns.command, $command.Name)
    $w.WriteElementString('command', 'verb', $ns.command, $command.Verb)
    $w.WriteElementString('command', 'noun', $ns.command, $command.Noun)
    Write-Description $w (ConvertTo-Paragraphs (Get-SectionLines $doc 'SYNOPSIS'))
    $w.WriteEndElement()
    Write-Description $w (ConvertTo-Paragraphs (Get-SectionLines $doc 'DESCRIPTION'))

    $w.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $command.ParameterSets | Sort-Object { -not $_.IsDefault }, Name) {
        $w.WriteStartElement('command', 'syntaxItem', $ns.command)
        $w.WriteElementString('maml', 'name', $ns.maml, $command.Name)
        $ordered = @($set.Parameters | Where-Object Name -NotIn $commonParameters |
                Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -[int]$_.IsMandatory } })
        foreach ($sp in $ordered) {
            $fact = $facts | Where-Object Name -EQ $sp.Name
            Write-Parameter $w $fact $params[$sp.Name] $sp.IsMandatory $(if ($sp.Position -ge 0) { [string]$sp.Position } else { 'named' }) `
            (Format-PipelineInput $sp.ValueFromPipeline $sp.ValueFromPipelineByPropertyName)
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($fact in $facts | Sort-Object Name) {
        $position = if ($fact.Position -eq 'Named') { 'named' } elseif ($fact.Position -match '^\d+$') { $fact.Position } else { ($fact.Position -split '[ ,]')[0] }
        Write-Parameter $w $fact $params[$fact.Name] $fact.RequiredAny $position $fact.PipelineInput
    }
    $w.WriteEndElement()

    foreach ($kind in @(@('INPUTS', 'inputTypes', 'inputType'), @('OUTPUTS', 'returnValues', 'returnValue'))) {
        $w.WriteStartElement('command', $kind[1], $ns.command)
        foreach ($t in Get-MarkdownTypes $doc $kind[0]) {
            $w.WriteStartElement('command', $kind[2], $ns.command)
            $w.WriteStartElement('dev', 'type', $ns.dev); $w.WriteElementString('maml', 'name', $ns.maml, $t.Type); $w.WriteEndElement()
            Write-Description $w $t.Description
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    $notes = ConvertTo-Paragraphs (Get-SectionLines $doc 'NOTES')
    $w.WriteStartElement('maml', 'alertSet', $ns.maml)
    $w.WriteStartElement('maml', 'alert', $ns.maml); Write-Paras $w $notes; $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $ns.command)
    foreach ($ex in Get-MarkdownExamples $doc) {
        $w.WriteStartElement('command', 'example', $ns.command)
        $w.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($ex.Title) --------------------------")
        $w.WriteElementString('dev', 'code', $ns.dev, $ex.Code)
        $w.WriteStartElement('dev', 'remarks', $ns.dev); Write-Paras $w $ex.Remarks; $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $ns.command)
    $links = @()
    if ($doc.FrontMatter.Contains('online version') -and $doc.FrontMatter['online version']) { $links += [pscustomobject]@{ Text = 'Online Version:'; Uri = $doc.FrontMatter['online version'] } }
    $links += @(Get-MarkdownLinks $doc)
    foreach ($l in $links) {
        $w.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $w.WriteElementString('maml', 'linkText', $ns.maml, $l.Text)
        $w.WriteElementString('maml', 'uri', $ns.maml, $l.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteEndElement()
}

#endregion

#region about topics: markdown → plain text in the layout of PowerShell's own about_*.help.txt

function Format-Wrapped([string] $text, [int] $indent, [int] $width = 80) {
    $pad = ' ' * $indent
    $lines = [System.Collections.Generic.List[string]]::new()
    $current = ''
    foreach ($word in $text -split '\s+' | Where-Object { $_ }) {
        if ($current.Length -and ($pad.Length + $current.Length + 1 + $word.Length) -gt $width) { $lines.Add($pad + $current); $current = $word }
        else { $current = if ($current) { "$current $word" } else { $word } }
    }
    if ($current) { $lines.Add($pad + $current) }
    $lines
}

function ConvertTo-AboutText([string] $path) {
    $lines = (Get-Content -Raw $path) -replace "`r`n", "`n" -split "`n"
    $out = [System.Collections.Generic.List[string]]::new()
    $i = 0
    if ($lines[0] -eq '---') { $i = 1; while ($i -lt $lines.Count -and $lines[$i] -ne '---') { $i++ }; $i++ }
    $buffer = [System.Collections.Generic.List[string]]::new()
    $code = $null
    $flush = {
        if ($buffer.Count) {
            $text = Convert-Inline ($buffer -join ' ')
            if ($text -match '^([-*]|\d+\.)\s+(.*)$') {
                $marker = $Matches[1]; $itemText = $Matches[2]
                $bullet = if ($marker -match '\d') { $marker } else { '-' }
                $wrapped = @(Format-Wrapped $itemText 6)
                $wrapped[0] = '    ' + $bullet.PadRight(2) + $wrapped[0].Substring(6)
                $out.AddRange([string[]]$wrapped)
            }
            else { $out.AddRange([string[]]@(Format-Wrapped $text 4)); $out.Add('') }
            $buffer.Clear()
        }
    }
    for (; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($null -ne $code) {
            if ($line -match '^\s*(```|~~~)') { $code = $null; $out.Add('') } else { $out.Add(('        ' + $line).TrimEnd()) }
            continue
        }
        if ($line -match '^\s*(```|~~~)') { & $flush; $code = $true; continue }
        if ($line -match '^# (.+)$') { & $flush; $out.Add('TOPIC'); $out.Add('    ' + $Matches[1].Trim()); $out.Add(''); continue }
        if ($line -match '^## (.+)$') { & $flush; $out.Add($Matches[1].Trim().ToUpperInvariant()); $out.Add(''); continue }
        if ($line -match '^#{3,} (.+)$') { & $flush; $out.Add('  ' + (Convert-Inline $Matches[1].Trim())); $out.Add(''); continue }
        if ($line -match '^\s*\|') {
            & $flush
            if ($line -match '^\s*\|[-:| ]+\|\s*$') { continue }
            $out.Add('    ' + (Convert-Inline $line.Trim()))
            if ($i + 1 -ge $lines.Count -or $lines[$i + 1] -notmatch '^\s*\|') { $out.Add('') }
            continue
        }
        if ($line.Trim() -eq '') {
            $wasList = $buffer.Count -and $buffer[0] -match '^([-*]|\d+\.)\s'
            & $flush
            if ($wasList) { $out.Add('') }
            continue
        }
        if ($line -match '^\s*([-*]|\d+\.)\s+') { & $flush; $buffer.Add($line.Trim()); continue }
        $buffer.Add($line.Trim())
    }
    & $flush
    while ($out.Count -and $out[-1] -eq '') { $out.RemoveAt($out.Count - 1) }
    ($out -join [Environment]::NewLine) + [Environment]::NewLine
}

#endregion

$manifest = Join-Path $ModulePath "$moduleName.psd1"
$module = Import-Module $manifest -PassThru -Force
$commands = @(Get-Command -Module $moduleName -CommandType Cmdlet | Sort-Object Name)
if (-not $commands) { throw "The module at '$manifest' exports no cmdlets." }

if ($UpdateMarkdown) {
    foreach ($c in $commands) { Update-CommandMarkdown $c (Join-Path $DocsPath "$($c.Name).md") }
    return
}

$problems = [System.Collections.Generic.List[string]]::new()
$docs = [ordered]@{}
foreach ($c in $commands) {
    $path = Join-Path $DocsPath "$($c.Name).md"
    if (-not (Test-Path $path)) { $problems.Add("$($c.Name): no help markdown ($path)."); continue }
    $doc = Read-HelpMarkdown $path
    $docs[$c.Name] = $doc
    $text = { param($name) ((ConvertTo-Paragraphs (Get-SectionLines $doc $name)) -join ' ').Trim() }
    if (-not (& $text 'SYNOPSIS') -or (& $text 'SYNOPSIS') -match '\{\{') { $problems.Add("$($c.Name): the SYNOPSIS in $path is empty.") }
    if (-not (& $text 'DESCRIPTION') -or (& $text 'DESCRIPTION') -match '\{\{') { $problems.Add("$($c.Name): the DESCRIPTION in $path is empty.") }
    $examples = @(Get-MarkdownExamples $doc | Where-Object { $_.Code.Trim() -and $_.Code -notmatch '\{\{' })
    if ($examples.Count -lt 2) { $problems.Add("$($c.Name): $path has $($examples.Count) example(s); at least two are needed.") }
    $documented = Get-MarkdownParameters $doc
    foreach ($fact in Get-ParameterFacts $c) {
        $d = if ($documented.Contains($fact.Name)) { $documented[$fact.Name] } else { $null }
        if (-not $d -or -not (($d.Description -join ' ').Trim()) -or ($d.Description -join ' ') -match '\{\{') {
            $problems.Add("$($c.Name): parameter -$($fact.Name) has no description in $path.")
        }
    }
    foreach ($name in $documented.Keys) {
        if (-not $c.Parameters.ContainsKey($name)) { $problems.Add("$($c.Name): $path documents parameter -$name, which the cmdlet does not have.") }
    }
}
if ($problems.Count) {
    foreach ($p in $problems) { [Console]::Error.WriteLine("Missing help: $p") }
    throw ("Help is incomplete (run build/New-MamlHelp.ps1 -UpdateMarkdown to add skeletons, then write the prose):`n  " + ($problems -join "`n  "))
}

$helpFolder = Join-Path $ModulePath 'en-US'
New-Item -ItemType Directory -Force $helpFolder | Out-Null
$helpFile = Join-Path $helpFolder $helpFileName
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$w = [System.Xml.XmlWriter]::Create($helpFile, $settings)
try {
    $w.WriteStartDocument()
    $w.WriteStartElement('helpItems', 'http://msh')
    $w.WriteAttributeString('schema', 'maml')
    foreach ($c in $commands) { Write-Command $w $c $docs[$c.Name] }
    $w.WriteEndElement()
    $w.WriteEndDocument()
}
finally { $w.Dispose() }
Write-Host "Help: $helpFile ($($commands.Count) cmdlets)"

foreach ($about in Get-ChildItem $DocsPath -Filter 'about_*.md') {
    $target = Join-Path $helpFolder ($about.BaseName + '.help.txt')
    Set-Content -Path $target -Value (ConvertTo-AboutText $about.FullName) -NoNewline -Encoding utf8NoBOM
    Write-Host "Help: $target"
}
