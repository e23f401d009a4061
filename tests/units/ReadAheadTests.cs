using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using IncidentTools.Import;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>The second thread that reads a file ahead of the store: order, errors and stopping early.</summary>
    public class ReadAheadTests
    {
        [Fact]
        public void Items_arrive_in_order_and_all_of_them()
        {
            var items = ReadAhead.Run(Enumerable.Range(0, 10_000), 4, CancellationToken.None).ToList();
            Assert.Equal(Enumerable.Range(0, 10_000), items);
        }

        [Fact]
        public void An_error_of_the_sequence_reaches_the_caller_after_the_items_before_it()
        {
            static IEnumerable<int> Failing()
            {
                yield return 1;
                yield return 2;
                throw new IOException("disk gone");
            }
            var seen = new List<int>();
            var ex = Assert.Throws<IOException>(() => { foreach (var i in ReadAhead.Run(Failing(), 16, CancellationToken.None)) seen.Add(i); });
            Assert.Equal("disk gone", ex.Message);
            Assert.Equal(new[] { 1, 2 }, seen);
        }

        [Fact]
        public void Stopping_early_stops_the_reader_and_runs_its_cleanup_before_returning()
        {
            int produced = 0;
            bool cleanedUp = false;
            IEnumerable<int> Endless()
            {
                try { while (true) yield return Interlocked.Increment(ref produced); }
                finally { cleanedUp = true; }
            }
            foreach (var i in ReadAhead.Run(Endless(), 8, CancellationToken.None))
                if (i == 100) break;
            Assert.True(cleanedUp, "the sequence (a file reader) must be disposed before Run returns, so its file can be closed");
            Assert.InRange(produced, 100, 100 + 8 + 2); // never more than the capacity ahead
        }

        [Fact]
        public void Cancellation_ends_the_sequence_early()
        {
            using var cts = new CancellationTokenSource();
            int count = 0;
            foreach (var i in ReadAhead.Run(Enumerable.Range(0, 1_000_000), 8, cts.Token))
                if (++count == 50) cts.Cancel();
            Assert.InRange(count, 50, 50 + 8 + 2);
        }
    }
}
