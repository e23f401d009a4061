using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace IncidentTools
{
    /// <summary>
    /// A read-only list of text (tags, categories, sources, techniques) that shows as its items when made text:
    /// Export-Csv writes "a; b" instead of "System.String[]", and ConvertTo-Json still writes an array.
    /// </summary>
    public sealed class TextList : ReadOnlyCollection<string>
    {
        /// <summary>The empty list, as a TextList (ReadOnlyCollection's own Empty is not one).</summary>
        public static new readonly TextList Empty = new TextList(Array.Empty<string>());

        public TextList(IEnumerable<string> items) : base(items.ToList()) { }

        public static implicit operator TextList(string[] items) => new TextList(items);

        public override string ToString() => string.Join("; ", this);
    }

    /// <summary>Named numbers (the priority factors) that show as "Severity=40; Tactics=16" when made text.</summary>
    public sealed class FactorMap : SortedDictionary<string, int>
    {
        public FactorMap() { }
        public FactorMap(IDictionary<string, int> factors) : base(factors) { }

        public override string ToString() => string.Join("; ", this.Select(kv => kv.Key + "=" + kv.Value));
    }
}
