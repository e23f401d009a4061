using System;

namespace IncidentTools.Import
{
    /// <summary>What one Import-Alert did: a scheduled job reads it to decide what to do next.</summary>
    public sealed class ImportSummary
    {
        public string ImportId { get; set; } = "";
        public string Store { get; set; } = "";
        public int Files { get; set; }
        public int UnchangedFiles { get; set; }
        public long Read { get; set; }
        public long Created { get; set; }
        public long Updated { get; set; }
        public long Unchanged { get; set; }
        /// <summary>Records that could not be read (each one an error naming its file and line).</summary>
        public long Failed { get; set; }
        /// <summary>Files that could not be read at all (unknown format, empty, unreadable): each one error.</summary>
        public int FailedFiles { get; set; }
        public long Skipped { get; set; }
        public long PendingEvidence { get; set; }
        public int IncidentsCreated => CreatedIncidentIds.Length;
        public int IncidentsUpdated => UpdatedIncidentIds.Length;
        public int IncidentsMerged => MergedIncidentIds.Length;
        public long[] CreatedIncidentIds { get; set; } = Array.Empty<long>();
        public long[] UpdatedIncidentIds { get; set; } = Array.Empty<long>();
        public long[] MergedIncidentIds { get; set; } = Array.Empty<long>();
        public TimeSpan Duration { get; set; }
        /// <summary>True when the import was stopped (Ctrl+C) before the end; what was committed stays.</summary>
        public bool Stopped { get; set; }
    }

    /// <summary>What kind of problem an import met; the name is the stable ErrorId of the error record a cmdlet writes.</summary>
    public enum ImportProblemKind
    {
        /// <summary>One record could not be read; the other records of its file are imported.</summary>
        InvalidAlertRecord,
        FileNotFound,
        /// <summary>The file is empty or holds no records.</summary>
        EmptyFile,
        /// <summary>The file is not in a format IncidentTools reads: one problem for the file, no per-record errors.</summary>
        UnknownFormat,
        /// <summary>The file could not be opened or read (permissions, a lock, an I/O error).</summary>
        UnreadableFile,
        /// <summary>Not a problem: a record that is not an alert (a flow event, an incident without alerts), counted as skipped.</summary>
        SkippedRecord,
    }

    /// <summary>One problem met while importing: a bad record or a file that cannot be read.</summary>
    public sealed class ImportProblem
    {
        public ImportProblem(string source, long line, long record, string message, ImportProblemKind kind)
        {
            Source = source; Line = line; Record = record; Message = message; Kind = kind;
        }
        public string Source { get; }
        public long Line { get; }
        public long Record { get; }
        public string Message { get; }
        public ImportProblemKind Kind { get; }
        /// <summary>True when the problem is about the whole file rather than one of its records.</summary>
        public bool WholeFile => Kind is not (ImportProblemKind.InvalidAlertRecord or ImportProblemKind.SkippedRecord);
        public override string ToString()
            => WholeFile ? $"{Source}: {Message}" : Line > 0 ? $"{Source}, line {Line} (record {Record}): {Message}" : $"{Source}, record {Record}: {Message}";
    }
}
