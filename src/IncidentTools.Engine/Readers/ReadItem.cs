using System;
using System.Collections.Generic;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Readers
{
    public enum ReadItemKind
    {
        /// <summary>A whole alert.</summary>
        Alert,
        /// <summary>Evidence for an alert that may arrive in another record or file (advanced hunting AlertEvidence).</summary>
        Evidence,
        /// <summary>A record that is not an error but not an alert either (a flow event, a provider incident without alerts).</summary>
        Skipped,
        /// <summary>A record that could not be read; Message says why.</summary>
        Error,
    }

    /// <summary>Where a record came from: the file (or "pipeline") and its line and ordinal, for error messages.</summary>
    public readonly struct RecordLocation
    {
        public RecordLocation(string source, long line, long index) { Source = source; Line = line; Index = index; }
        public string Source { get; }
        /// <summary>1-based line where the record starts, 0 when unknown.</summary>
        public long Line { get; }
        /// <summary>1-based ordinal of the record in its source.</summary>
        public long Index { get; }
        /// <summary>Where in its source, without the source's name: "line 12 (record 3)" or "record 3".</summary>
        public string Position => Line > 0 ? $"line {Line} (record {Index})" : $"record {Index}";
        public override string ToString() => $"{Source}, {Position}";
    }

    /// <summary>What a reader made of one record.</summary>
    public sealed class ReadItem
    {
        public ReadItemKind Kind { get; private set; }
        public Alert? Alert { get; private set; }
        /// <summary>The alerts' family for identity: "defender" alerts are one alert whichever Defender export carried them.</summary>
        public string Family { get; private set; } = "";
        public RecordLocation Location { get; private set; }
        /// <summary>For Skipped and Error: what and why, in words a user can act on.</summary>
        public string? Message { get; private set; }
        /// <summary>The original record, kept with the alert.</summary>
        public JToken? Original { get; private set; }

        public static ReadItem ForAlert(Alert alert, string family, RecordLocation location, JToken? original)
            => new ReadItem { Kind = ReadItemKind.Alert, Alert = alert, Family = family, Location = location, Original = original };

        /// <summary>Evidence for alert (ProviderAlertId, TenantId) arriving without the alert itself.</summary>
        public static ReadItem ForEvidence(Alert alertWithEvidenceOnly, string family, RecordLocation location)
            => new ReadItem { Kind = ReadItemKind.Evidence, Alert = alertWithEvidenceOnly, Family = family, Location = location };

        public static ReadItem Skip(RecordLocation location, string reason)
            => new ReadItem { Kind = ReadItemKind.Skipped, Location = location, Message = reason };

        public static ReadItem Fail(RecordLocation location, string message)
            => new ReadItem { Kind = ReadItemKind.Error, Location = location, Message = message };
    }

    /// <summary>Thrown by a mapper for a record it cannot read; the caller turns it into one error item.</summary>
    public sealed class RecordFormatException : Exception
    {
        public RecordFormatException(string message) : base(message) { }
    }
}
