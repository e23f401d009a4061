using System.Collections.Generic;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Readers
{
    /// <summary>
    /// One reader per input format. Every format is read as a stream of records (JSON objects; CSV rows are
    /// turned into objects of strings by their column names), so detection and pipeline input work the same way
    /// for all of them. A reader instance lives for one import, so it may join records across files.
    /// </summary>
    public interface IAlertReader
    {
        /// <summary>The name users give to -Format.</summary>
        string Format { get; }

        /// <summary>True when this record looks like this reader's format (used on the first record of a source).</summary>
        bool Detect(JObject record);

        /// <summary>Maps one record. Throw RecordFormatException for a record that is bad; it becomes one error.</summary>
        IEnumerable<ReadItem> Read(JObject record, RecordLocation location);

        /// <summary>Called once after the last record of the import.</summary>
        IEnumerable<ReadItem> Complete();
    }
}
