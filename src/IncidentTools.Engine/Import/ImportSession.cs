using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using IncidentTools.Correlation;
using IncidentTools.Normalisation;
using IncidentTools.Readers;
using IncidentTools.Store;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Import
{
    public sealed class ImportOptions
    {
        /// <summary>A reader's Format name; null to detect per file.</summary>
        public string? Format { get; set; }
        /// <summary>Overrides every record's tenant, so exports of one organisation from several products correlate.</summary>
        public string? TenantId { get; set; }
        /// <summary>Read files even when they are unchanged since their last import.</summary>
        public bool Force { get; set; }
        /// <summary>Remember the ids of the alerts stored (for -PassThru); off, memory stays flat on huge imports.</summary>
        public bool KeepAlertIds { get; set; }
        /// <summary>
        /// Alerts per write transaction at most. Large, because each commit writes every page the batch touched
        /// (entity and link indexes are touched at random): 20,000 instead of 5,000 made imports markedly faster.
        /// A batch also ends after IncidentStore.MaxBatchDuration, so other writers never wait long.
        /// </summary>
        public int BatchSize { get; set; } = 20000;
        /// <summary>Caps on field length and evidence per alert; what is cut is recorded on the alert.</summary>
        public ImportLimits Limits { get; set; } = new ImportLimits();
    }

    public sealed class ImportProgress
    {
        public string Activity { get; set; } = "";
        public string? File { get; set; }
        public long Records { get; set; }
        public long BytesDone { get; set; }
        public long BytesTotal { get; set; }
        public double RecordsPerSecond { get; set; }
    }

    /// <summary>
    /// One import: files and pipeline objects go through reader → normaliser → store in batches (one write
    /// transaction each, so a crash leaves whole batches only), then every waiting alert is correlated.
    /// </summary>
    public sealed class ImportSession : IDisposable
    {
        readonly IncidentStore _store;
        readonly ImportOptions _options;
        readonly List<IAlertReader> _readers = ReaderRegistry.CreateAll();
        readonly ImportSummary _summary = new ImportSummary();
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly CancellationToken _cancel;
        readonly Action<ImportProblem> _onProblem;
        readonly Action<ImportProgress>? _onProgress;
        readonly Action<ImportProblem>? _onSkipped;
        readonly List<string> _alertIds = new List<string>();
        readonly List<(string Path, FileInfo Info, string Hash)> _filesRead = new List<(string, FileInfo, string)>();
        readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
        SqliteTransaction? _tx;
        AlertWriter? _writer;
        readonly EntityIdCache _entityIds = new EntityIdCache();
        int _inBatch;
        readonly Stopwatch _batchClock = new Stopwatch();
        long _pipelineIndex;
        IAlertReader? _pipelineReader;
        long _lastProgressTicks;

        /// <param name="onSkipped">Told of each record that is not an alert and why (it is not an error).</param>
        public ImportSession(IncidentStore store, ImportOptions options, Action<ImportProblem> onProblem,
                             Action<ImportProgress>? onProgress = null, CancellationToken cancel = default, Action<ImportProblem>? onSkipped = null)
        {
            _store = store; _options = options; _onProblem = onProblem; _onProgress = onProgress; _cancel = cancel; _onSkipped = onSkipped;
            if (options.Format != null && ReaderRegistry.ByName(_readers, options.Format) == null)
                throw new ArgumentException($"Unknown format '{options.Format}'. Known formats: {string.Join(", ", ReaderRegistry.FormatNames)}.");
            options.Limits.Validate();
            _summary.ImportId = _started.ToString("yyyyMMdd'T'HHmmss'Z'") + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            _summary.Store = store.Path;
            using var cmd = store.Command("INSERT INTO imports (id, started) VALUES ($id, $t)", null, ("$id", _summary.ImportId), ("$t", IncidentStore.Ticks(_started)));
            cmd.ExecuteNonQuery();
        }

        /// <summary>Ids of the alerts this import stored or confirmed, for -PassThru.</summary>
        public IReadOnlyList<string> AlertIds => _alertIds;

        public void ImportFile(string path)
        {
            string full = Path.GetFullPath(path);
            _summary.Files++;
            try { ImportFileContent(full); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Unreadable (permissions, a lock, a disk error): what was read before stays in the batch, whole records only.
                Problem(new ImportProblem(full, 0, 0, "the file could not be read: " + ex.Message, ImportProblemKind.UnreadableFile));
            }
        }

        void ImportFileContent(string full)
        {
            var info = new FileInfo(full);
            if (!info.Exists) { Problem(new ImportProblem(full, 0, 0, "the file does not exist", ImportProblemKind.FileNotFound)); return; }
            if (info.Length == 0) { Problem(new ImportProblem(full, 0, 0, "the file is empty: there is nothing to import", ImportProblemKind.EmptyFile)); return; }

            string? hash = null;
            if (!_options.Force && IsUnchanged(full, info, out hash))
            {
                _summary.UnchangedFiles++;
                return;
            }
            hash ??= FileHash(full);
            long recordsBefore = _summary.Read, failedBefore = _summary.Failed;
            bool fatal = false;
            using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan))
            {
                bool json = LooksLikeJson(stream);
                var records = json ? JsonRecordSource.Read(stream, full) : CsvRecordSource.Read(stream, full);
                // Parsing, mapping and compressing run on a second thread, a few records ahead of the store:
                // the store (SQLite) works on one thread, and the work that needs no store must not wait for it.
                foreach (var step in ReadAhead.Run(FileSteps(records, stream, full, json), ReadAheadSteps, _cancel))
                {
                    if (_cancel.IsCancellationRequested) break;
                    fatal |= step.Fatal;
                    Apply(step);
                    Progress("Importing alerts", full, Math.Min(step.Position, info.Length), info.Length);
                }
                // Checked after the loop: a stop request also ends the reading thread, which may close the queue
                // before any step shows it.
                if (_cancel.IsCancellationRequested) _summary.Stopped = true;
            }
            Commit();
            // Remembered only once the import completes: a file whose import was killed or stopped half way is
            // read again by the next run instead of being skipped as unchanged.
            if (!fatal && !_summary.Stopped) _filesRead.Add((full, info, hash));
            // A file whose only content was reported as bad already has its problem: one problem per cause.
            if (!fatal && _summary.Read == recordsBefore && _summary.Failed == failedBefore && !_summary.Stopped)
                Problem(new ImportProblem(full, 0, 0, "the file holds no records", ImportProblemKind.EmptyFile));
        }

        /// <summary>Unreadable records met before the format is known, at most: past this, the file is not alert data.</summary>
        const int MaxUnreadableBeforeDetection = 100;
        /// <summary>Readable records that match no format, at most, before the file is called unknown (one may be damaged).</summary>
        const int MaxUndetectedRecords = 10;
        /// <summary>
        /// Records read ahead of the store at most: enough to keep both threads busy. Few, because records waiting in
        /// the queue outlive a garbage collection or two: with 256 the import ran 30 % slower than with 16.
        /// </summary>
        const int ReadAheadSteps = 16;

        /// <summary>
        /// What to do with each record of a file, worked out on the reading thread: the format is known before any
        /// record is reported, so a file that is not alert data at all (a README caught by a wildcard) is one
        /// UnknownFormat problem, never one error per row followed by that. Records met before the format is known
        /// wait (a few, and small ones but for the undetected objects), then are reported or read in order once it is.
        /// Touches no store and no summary: the store thread applies the steps in order.
        /// </summary>
        IEnumerable<FileStep> FileSteps(IEnumerable<JsonRecord> records, Stream stream, string full, bool json)
        {
            IAlertReader? reader = _options.Format == null ? null : ReaderRegistry.ByName(_readers, _options.Format);
            var waiting = new List<JsonRecord>();
            int undetected = 0;
            foreach (var rec in records)
            {
                if (rec.WholeFile)
                {
                    yield return FileStep.UnknownFormat(full, rec.Error ?? "nothing in it can be read");
                    yield break;
                }
                if (reader == null)
                {
                    if (rec.Record != null) reader = ReaderRegistry.Detect(_readers, rec.Record);
                    if (reader == null)
                    {
                        waiting.Add(rec);
                        if (rec.Record != null) undetected++;
                        if (undetected < MaxUndetectedRecords && waiting.Count < MaxUnreadableBeforeDetection) continue;
                        yield return FileStep.UnknownFormat(full, NotRecognised(waiting, json, complete: false));
                        yield break;
                    }
                    foreach (var earlier in waiting) yield return ReadStep(reader, earlier, PositionIn(stream));
                    waiting.Clear();
                }
                yield return ReadStep(reader, rec, PositionIn(stream));
            }
            if (waiting.Count > 0)
            {
                // Nothing in the file was recognised. One broken record (a truncated document) is that record's
                // error; anything else means the file is not in a format IncidentTools reads.
                if (waiting.Count == 1 && waiting[0].Record == null) yield return ReadStep(null, waiting[0], PositionIn(stream));
                else yield return FileStep.UnknownFormat(full, NotRecognised(waiting, json, complete: true));
            }
        }

        /// <summary>How far the reading is, for progress; once a reader closes the stream at its end, the whole file is read.</summary>
        static long PositionIn(Stream stream) => stream.CanSeek ? stream.Position : long.MaxValue;

        /// <summary>One record read and its items prepared, or why it cannot be read. Safe off the store thread.</summary>
        FileStep ReadStep(IAlertReader? reader, JsonRecord rec, long position)
        {
            if (rec.Record == null || reader == null) return new FileStep { Position = position, FailedAt = rec.Location, Failure = rec.Error ?? "unreadable record" };
            var step = new FileStep { Position = position, IsRecord = true, FailedAt = rec.Location };
            List<ReadItem> items;
            try { items = reader.Read(rec.Record, rec.Location).ToList(); }
            catch (RecordFormatException ex) { step.Failure = ex.Message; return step; }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
            {
                // One record a reader cannot handle is one error; it never stops the import.
                step.Failure = $"{reader.Format} record could not be read: {ex.Message}";
                return step;
            }
            step.Items = items.Select(item => Prepare(item, ReferenceEquals(item.Original, rec.Record) ? rec.Text : null)).ToList();
            return step;
        }

        /// <summary>Applies a step on the store thread, in record order.</summary>
        void Apply(FileStep step)
        {
            if (step.Problem != null) { Problem(step.Problem); return; }
            if (step.IsRecord) _summary.Read++;
            if (step.Failure != null) { Fail(step.FailedAt, step.Failure); return; }
            foreach (var item in step.Items!) Store(item);
        }

        static string NotRecognised(List<JsonRecord> waiting, bool json, bool complete)
        {
            var first = waiting.FirstOrDefault(r => r.Record != null);
            if (first.Record != null)
                return $"its first record ({first.Location.Position}) has the {(json ? "properties" : "columns")} {Names(first.Record)} and matches none of the formats IncidentTools reads ({string.Join(", ", ReaderRegistry.FormatNames)}). Give -Format if you know it.";
            return $"{(complete ? "none of its" : "none of the first")} {waiting.Count} records could be read as JSON objects or CSV rows (the first, {waiting[0].Location.Position}: {waiting[0].Error})";
        }

        /// <summary>The first few property or column names of a record, quoted, for a message.</summary>
        static string Names(JObject record)
        {
            var names = record.Properties().Select(p => "'" + JsonValues.Shorten(p.Name, 40) + "'").Take(8).ToList();
            int more = record.Count - names.Count;
            return names.Count == 0 ? "(none)" : string.Join(", ", names) + (more > 0 ? $" and {more} more" : "");
        }

        /// <summary>One object from the pipeline (ConvertFrom-Json, Import-Csv, Get-MgSecurityAlertV2 output).</summary>
        public void ImportObject(JObject record, string sourceName = "pipeline")
        {
            foreach (var rec in JsonRecordSource.FromObject(record, sourceName, ref _pipelineIndex))
            {
                if (rec.Record == null) { Fail(rec.Location, rec.Error ?? "unreadable record"); continue; }
                var reader = _options.Format != null ? ReaderRegistry.ByName(_readers, _options.Format) : ReaderRegistry.Detect(_readers, rec.Record);
                reader ??= _pipelineReader;
                if (reader == null)
                {
                    Fail(rec.Location, $"the object matches none of the formats IncidentTools reads ({string.Join(", ", ReaderRegistry.FormatNames)}). Give -Format if you know it.");
                    continue;
                }
                _pipelineReader = reader;
                Apply(ReadStep(reader, rec, 0));
            }
            Progress("Importing alerts", sourceName, 0, 0);
        }

        /// <summary>
        /// An item read from a record with the work that needs no store already done: the stable id, the import
        /// limits, evidence deduplicated, the original compressed and the content hash of the alert as read.
        /// </summary>
        sealed class PreparedItem
        {
            public ReadItem Item = null!;
            public byte[]? PackedOriginal;
            public string? ContentHash;
            public AlertColumns? Columns;
        }

        /// <param name="originalText">The record's JSON text when the source had it whole; stored as the original of the alert read from it.</param>
        PreparedItem Prepare(ReadItem item, string? originalText)
        {
            var prepared = new PreparedItem { Item = item };
            if (item.Kind != ReadItemKind.Alert && item.Kind != ReadItemKind.Evidence) return prepared;
            var alert = item.Alert!;
            Identify(alert, item.Family);
            _options.Limits.Apply(alert);
            alert.Evidence = EvidenceFactory.Deduplicate(alert.Evidence);
            if (item.Kind == ReadItemKind.Alert)
            {
                string? original = originalText ?? item.Original?.ToString(Formatting.None);
                if (original != null) prepared.PackedOriginal = AlertWriter.Pack(original);
                prepared.ContentHash = AlertWriter.ContentHash(alert);
                prepared.Columns = AlertColumns.Of(alert);
            }
            return prepared;
        }

        void Store(PreparedItem prepared)
        {
            var item = prepared.Item;
            switch (item.Kind)
            {
                case ReadItemKind.Error: Fail(item.Location, item.Message ?? "bad record"); return;
                case ReadItemKind.Skipped:
                    _summary.Skipped++;
                    _onSkipped?.Invoke(new ImportProblem(item.Location.Source, item.Location.Line, item.Location.Index, item.Message ?? "not an alert", ImportProblemKind.SkippedRecord));
                    return;
            }
            var alert = item.Alert!;
            EnsureBatch();
            if (item.Kind == ReadItemKind.Evidence)
            {
                var r = _writer!.WriteEvidenceOnly(alert.Id, alert.Evidence, alert.Truncated, item.Location.ToString(), _summary.ImportId);
                if (r == null) _summary.PendingEvidence += alert.Evidence.Count;
                else Count(r.Value, alert.Id);
            }
            else
            {
                alert.ImportId = _summary.ImportId;
                var r = _writer!.Write(alert, prepared.PackedOriginal, prepared.ContentHash, _summary.ImportId, prepared.Columns);
                Count(r, alert.Id);
            }
            if (++_inBatch >= _options.BatchSize || _batchClock.Elapsed >= IncidentStore.MaxBatchDuration) Commit();
        }

        void Count(AlertWriteResult result, string id)
        {
            if (result == AlertWriteResult.Created) _summary.Created++;
            else if (result == AlertWriteResult.Updated) _summary.Updated++;
            else _summary.Unchanged++;
            if (_options.KeepAlertIds) _alertIds.Add(id);
        }

        /// <summary>The alert's stable id: source family, tenant and the provider's own id, never truncated.</summary>
        void Identify(Alert alert, string family)
        {
            if (!string.IsNullOrEmpty(_options.TenantId)) alert.TenantId = _options.TenantId!;
            alert.Id = family + ":" + alert.TenantId + ":" + alert.ProviderAlertId;
        }

        void EnsureBatch()
        {
            if (_tx != null) return;
            _tx = _store.BeginWrite();
            _batchClock.Restart();
            _writer = new AlertWriter(_store, _tx, _options.Limits, _entityIds);
        }

        void Commit()
        {
            if (_tx == null) return;
            _writer!.Flush();
            _tx.Commit();
            _writer!.Dispose();
            _tx.Dispose();
            _tx = null; _writer = null; _inBatch = 0;
        }

        void Fail(RecordLocation location, string message)
        {
            _summary.Failed++;
            Problem(new ImportProblem(location.Source, location.Line, location.Index, message, ImportProblemKind.InvalidAlertRecord));
        }

        void Problem(ImportProblem p)
        {
            if (p.WholeFile) _summary.FailedFiles++;
            _onProblem(p);
        }

        void Progress(string activity, string? file, long done, long total)
        {
            if (_onProgress == null) return;
            long now = _clock.ElapsedTicks;
            if (now - _lastProgressTicks < Stopwatch.Frequency / 4) return; // 4 updates a second is plenty
            _lastProgressTicks = now;
            _onProgress(new ImportProgress
            {
                Activity = activity, File = file, Records = _summary.Read, BytesDone = done, BytesTotal = total,
                RecordsPerSecond = _summary.Read / Math.Max(0.001, _clock.Elapsed.TotalSeconds),
            });
        }

        /// <summary>Ends the import: readers flush what they held back, waiting alerts are correlated.</summary>
        public ImportSummary Complete()
        {
            if (!_cancel.IsCancellationRequested)
                foreach (var reader in _readers)
                    foreach (var item in reader.Complete()) Store(Prepare(item, null));
            Commit();
            if (!_cancel.IsCancellationRequested)
                foreach (var (path, info, hash) in _filesRead) RememberFile(path, info, hash);
            var policy = CorrelationPolicyStore.Load(_store);
            var result = new Correlator(_store, policy, DateTimeOffset.UtcNow).CorrelatePending(
                cancel: _cancel, progress: n => Progress("Correlating alerts", null, n, 0));
            if (_cancel.IsCancellationRequested) _summary.Stopped = true;
            _summary.CreatedIncidentIds = result.CreatedIncidentIds.Order().ToArray();
            _summary.UpdatedIncidentIds = result.UpdatedIncidentIds.Order().ToArray();
            _summary.MergedIncidentIds = result.MergedIncidentIds.Order().ToArray();
            _summary.Duration = _clock.Elapsed;
            using var cmd = _store.Command("UPDATE imports SET finished = $t, summary = $s WHERE id = $id", null,
                ("$t", IncidentStore.Ticks(DateTimeOffset.UtcNow)), ("$s", JsonConvert.SerializeObject(_summary)), ("$id", _summary.ImportId));
            cmd.ExecuteNonQuery();
            return _summary;
        }

        static bool LooksLikeJson(Stream stream)
        {
            var buffer = new byte[4096];
            int n = stream.Read(buffer, 0, buffer.Length);
            stream.Position = 0;
            int i = 0;
            if (n >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF) i = 3;
            for (; i < n; i++)
            {
                byte b = buffer[i];
                if (b == ' ' || b == '\t' || b == '\r' || b == '\n') continue;
                return b == '{' || b == '[';
            }
            return false;
        }

        bool IsUnchanged(string path, FileInfo info, out string? hash)
        {
            hash = null;
            using var cmd = _store.Command("SELECT size, mtime, hash FROM imported_files WHERE path = $p", null, ("$p", path));
            using var r = cmd.ExecuteReader();
            if (!r.Read()) return false;
            if (r.GetInt64(0) != info.Length || r.GetInt64(1) != info.LastWriteTimeUtc.Ticks) return false;
            string stored = r.GetString(2);
            r.Close();
            hash = FileHash(path);
            return hash == stored;
        }

        void RememberFile(string path, FileInfo info, string hash)
        {
            info.Refresh();
            using var cmd = _store.Command(
                "INSERT INTO imported_files (path, size, mtime, hash, import_id) VALUES ($p, $s, $m, $h, $i) ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, hash = excluded.hash, import_id = excluded.import_id",
                null, ("$p", path), ("$s", info.Length), ("$m", info.LastWriteTimeUtc.Ticks), ("$h", hash), ("$i", _summary.ImportId));
            cmd.ExecuteNonQuery();
        }

        static string FileHash(string path)
        {
            using var sha = SHA256.Create();
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
            return Convert.ToBase64String(sha.ComputeHash(s));
        }

        /// <summary>What the store thread does with one record of a file (or with the file, when it is not alert data).</summary>
        sealed class FileStep
        {
            /// <summary>How far into the file the reading thread was, for progress.</summary>
            public long Position;
            /// <summary>A problem with the whole file: nothing more of it is read.</summary>
            public ImportProblem? Problem;
            public bool Fatal => Problem != null;
            /// <summary>The record was given to a reader (it counts as read, whatever came of it).</summary>
            public bool IsRecord;
            public RecordLocation FailedAt;
            /// <summary>Why the record is an error; null when it was read.</summary>
            public string? Failure;
            public List<PreparedItem>? Items;

            public static FileStep UnknownFormat(string file, string what)
                => new FileStep { Problem = new ImportProblem(file, 0, 0, "the file is not in a format IncidentTools reads: " + what, ImportProblemKind.UnknownFormat) };
        }

        public void Dispose()
        {
            // An import stopped half way keeps what was committed; the open batch is rolled back whole.
            _entityIds.Clear();
            _writer?.Dispose();
            _tx?.Dispose();
        }
    }
}
