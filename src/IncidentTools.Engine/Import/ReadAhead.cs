using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace IncidentTools.Import
{
    /// <summary>
    /// Enumerates a sequence on a second thread, up to a fixed number of items ahead of the caller, so that producing
    /// items (reading and parsing a file) and consuming them (storing) use two cores. Items arrive in order; an
    /// exception the sequence throws is rethrown to the caller at its place in the order. When the caller stops early
    /// (break, exception, cancellation) the second thread is stopped and waited for before Run returns, so whatever the
    /// sequence reads from (a file stream) may be closed right after.
    /// </summary>
    internal static class ReadAhead
    {
        public static IEnumerable<T> Run<T>(IEnumerable<T> source, int capacity, CancellationToken cancel)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            using var queue = new BlockingCollection<T>(capacity);
            ExceptionDispatchInfo? failure = null;
            var producer = Task.Factory.StartNew(() =>
            {
                try
                {
                    foreach (var item in source)
                    {
                        if (stop.IsCancellationRequested) break;
                        queue.Add(item, stop.Token);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
                catch (Exception ex) { failure = ExceptionDispatchInfo.Capture(ex); }
                finally { queue.CompleteAdding(); }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                foreach (var item in queue.GetConsumingEnumerable()) yield return item;
                producer.Wait();
                failure?.Throw();
            }
            finally
            {
                stop.Cancel();
                producer.Wait();
            }
        }
    }
}
