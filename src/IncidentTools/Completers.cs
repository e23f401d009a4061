using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using IncidentTools.Correlation;
using IncidentTools.Readers;
using IncidentTools.Store;

namespace IncidentTools.Commands
{
    /// <summary>Completes -Format with the names of the readers.</summary>
    public sealed class FormatCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters)
            => Completion.Matching(ReaderRegistry.FormatNames, wordToComplete, n => n);
    }

    /// <summary>What every completer shares: the word typed without its quotes, quoting of results, the store to read.</summary>
    internal static class Completion
    {
        /// <summary>The word as the user means it: without the quote they opened.</summary>
        public static string Unquote(string word) => (word ?? "").Trim().Trim('\'', '"');

        /// <summary>Single-quotes a value PowerShell would otherwise split, expand or read as a parameter name.</summary>
        public static string Quote(string value)
            => value.Length > 0 && value[0] != '-' && value.All(c => char.IsLetterOrDigit(c) || "-_.@:\\/+".IndexOf(c) >= 0)
                ? value
                : "'" + value.Replace("'", "''") + "'";

        public static CompletionResult Result(string value, string listText, string toolTip)
            => new CompletionResult(Quote(value), listText, CompletionResultType.ParameterValue, string.IsNullOrEmpty(toolTip) ? value : toolTip);

        public static IEnumerable<CompletionResult> Matching(IEnumerable<string> values, string wordToComplete, Func<string, string> toolTip)
        {
            string typed = Unquote(wordToComplete);
            return values.Where(v => v.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).Select(v => Result(v, v, toolTip(v)));
        }

        /// <summary>
        /// The store the command will use: its -Store when typed, else $env:INCIDENTTOOLS_STORE or the per-user
        /// default. Relative paths resolve against PowerShell's current location, as the cmdlet itself does.
        /// </summary>
        public static string StorePath(IDictionary fakeBoundParameters)
        {
            object? given = fakeBoundParameters?.Contains("Store") == true ? fakeBoundParameters["Store"] : null;
            if (given is PSObject pso) given = pso.BaseObject;
            if (given is string s && s.Length > 0)
            {
                if (Path.IsPathRooted(s)) return s;
                // Completion runs on the pipeline thread, so a nested pipeline can ask for the current location.
                using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
                var here = ps.AddCommand("Microsoft.PowerShell.Management\\Get-Location").AddParameter("PSProvider", "FileSystem").Invoke<PathInfo>().FirstOrDefault();
                return Path.GetFullPath(Path.Combine(here?.ProviderPath ?? Environment.CurrentDirectory, s));
            }
            return IncidentStore.DefaultPath();
        }

        /// <summary>A parameter typed before the cursor (the first of names present), converted; null when absent or not convertible.</summary>
        public static T? Bound<T>(IDictionary fakeBoundParameters, params string[] names) where T : class
        {
            foreach (var name in names)
            {
                if (fakeBoundParameters?.Contains(name) != true) continue;
                try { return LanguagePrimitives.ConvertTo<T>(fakeBoundParameters[name]); }
                catch (PSInvalidCastException) { return null; }
            }
            return null;
        }
    }

    /// <summary>
    /// A completer that reads the store. It opens the store read-only, never creates or migrates it, and never
    /// throws: completion that fails offers nothing rather than an error at the prompt.
    /// </summary>
    public abstract class StoreCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                string path = Completion.StorePath(fakeBoundParameters);
                if (!File.Exists(path)) return Array.Empty<CompletionResult>();
                using var store = IncidentStore.OpenExistingReadOnly(path);
                // Materialised here: the store closes when this method returns.
                return Complete(new CompletionQueries(store), parameterName, Completion.Unquote(wordToComplete), fakeBoundParameters).ToList();
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }
        }

        protected abstract IEnumerable<CompletionResult> Complete(CompletionQueries queries, string parameterName, string typed, IDictionary fakeBoundParameters);
    }

    /// <summary>Incident ids: digits complete ids, text finds incidents by name; the list shows the names.</summary>
    public sealed class IncidentIdCompleter : StoreCompleter
    {
        protected override IEnumerable<CompletionResult> Complete(CompletionQueries queries, string parameterName, string typed, IDictionary fakeBoundParameters)
            => queries.Incidents(typed).Select(i =>
            {
                string name = i.DisplayName.Length > 60 ? i.DisplayName.Substring(0, 59) + "…" : i.DisplayName;
                return new CompletionResult(i.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{i.Id} {name}",
                    CompletionResultType.ParameterValue,
                    $"{i.DisplayName} ({i.Severity}, {i.Status}, {i.AlertCount} alert{(i.AlertCount == 1 ? "" : "s")}, last activity {i.LastActivityDateTime:yyyy-MM-dd HH:mm} UTC)");
            });
    }

    /// <summary>Tags in use, most used first; -RemoveTag offers only the tags of the incidents given in -IncidentId (-Id).</summary>
    public sealed class TagCompleter : StoreCompleter
    {
        protected override IEnumerable<CompletionResult> Complete(CompletionQueries queries, string parameterName, string typed, IDictionary fakeBoundParameters)
            => queries.Tags(typed, parameterName == "RemoveTag" ? Completion.Bound<long[]>(fakeBoundParameters, "IncidentId") : null)
                .Select(t => Completion.Result(t.Value, t.Value, $"{t.Value} ({t.Detail})"));
    }

    /// <summary>People incidents are assigned to, most assigned first.</summary>
    public sealed class AssigneeCompleter : StoreCompleter
    {
        protected override IEnumerable<CompletionResult> Complete(CompletionQueries queries, string parameterName, string typed, IDictionary fakeBoundParameters)
            => queries.Assignees(typed).Select(a => Completion.Result(a.Value, a.Value, $"{a.Value} ({a.Detail})"));
    }

    /// <summary>Entity names as the alerts wrote them (users, devices, IPs, files...), of the -Type given when there is one.</summary>
    public sealed class EntityNameCompleter : StoreCompleter
    {
        protected override IEnumerable<CompletionResult> Complete(CompletionQueries queries, string parameterName, string typed, IDictionary fakeBoundParameters)
            => queries.EntityNames(typed, Completion.Bound<EntityType[]>(fakeBoundParameters, "Type"))
                .Select(e => Completion.Result(e.Value, e.Value, $"{e.Value} ({e.Detail})"));
    }

    /// <summary>MITRE ATT&amp;CK tactics in kill-chain order.</summary>
    public sealed class CategoryCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters)
            => Completion.Matching(IncidentNamer.KillChain, wordToComplete, t => $"{t} (MITRE ATT&CK tactic: {IncidentNamer.Words(t)})");
    }
}
