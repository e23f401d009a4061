using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Store
{
    /// <summary>Why a store cannot be used; cmdlets turn it into a terminating error.</summary>
    public sealed class StoreException : Exception
    {
        public StoreException(string message, Exception? inner = null, string errorId = "StoreUnavailable") : base(message, inner) { ErrorId = errorId; }

        /// <summary>The stable ErrorId a cmdlet reports: StoreUnavailable, StoreNotFound or StoreSchemaTooNew.</summary>
        public string ErrorId { get; }
    }

    /// <summary>
    /// The SQLite store: one file per store, WAL mode so readers never block the writer, a busy timeout so
    /// writers wait for each other instead of failing, and a schema created and migrated by the engine.
    /// </summary>
    public sealed class IncidentStore : IDisposable
    {
        public string Path { get; }

        /// <summary>
        /// The id for a new incident: never one used before, also when incidents were removed (their history stays,
        /// and an id must never name two incidents in it).
        /// </summary>
        internal const string NextIncidentId = "(SELECT max(coalesce((SELECT max(id) FROM incidents), 0), coalesce((SELECT max(incident_id) FROM history), 0)) + 1)";
        internal SqliteConnection Connection { get; }

        IncidentStore(string path, SqliteConnection connection) { Path = path; Connection = connection; }

        /// <summary>$env:INCIDENTTOOLS_STORE, else the per-user default for this platform.</summary>
        public static string DefaultPath()
        {
            var env = Environment.GetEnvironmentVariable("INCIDENTTOOLS_STORE");
            if (!string.IsNullOrWhiteSpace(env)) return env!;
            string root;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                root = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "Library", "Application Support");
            else
            {
                var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
                root = !string.IsNullOrWhiteSpace(xdg) ? xdg! : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            }
            return System.IO.Path.Combine(root, "IncidentTools", "incidents.db");
        }

        /// <summary>
        /// Opens and migrates the store at path. With create, a missing store is created (importing does that);
        /// without, a missing store is an error (StoreNotFound), so a mistyped path never looks like an empty store.
        /// </summary>
        public static IncidentStore Open(string? path = null, bool create = true) => Open(path, Schema.Migrations, create);

        /// <summary>Opens the store, migrating it with the given list (tests pass their own list to exercise the migration runner).</summary>
        internal static IncidentStore Open(string? path, IReadOnlyList<string> migrations, bool create = true)
        {
            string full = System.IO.Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? DefaultPath() : path!);
            if (Directory.Exists(full))
                throw new StoreException($"The store path '{full}' is a folder. Give the path of a store file, for example '{System.IO.Path.Combine(full, "incidents.db")}'.");
            if (!create && !File.Exists(full))
                throw new StoreException($"There is no store at '{full}'. Check the path, or import alerts into it first (Import-Alert -Store '{full}').", null, "StoreNotFound");
            string? folder = System.IO.Path.GetDirectoryName(full);
            try
            {
                if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
                {
                    // A folder the tool creates is its owner's only; existing folders keep their permissions.
                    if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
                    else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                CreateOwnerOnlyFile(full);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new StoreException($"Cannot create the store '{full}': {ex.Message} Choose another path with -Store or $env:INCIDENTTOOLS_STORE.", ex);
            }

            var cs = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = (int)BusyTimeout.TotalSeconds }.ToString();
            var connection = new SqliteConnection(cs);
            try
            {
                connection.Open();
                var store = new IncidentStore(full, connection);
                // Writers wait for each other up to BusyTimeout instead of failing with "database is locked".
                store.Execute($"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};");
                store.Execute("PRAGMA journal_mode = WAL;");
                store.Execute("PRAGMA synchronous = NORMAL;");
                // SQLite's default page cache is 2 MB: far smaller than the indexes an import and correlation walk
                // at random (entity keys, alert ids). 64 MB holds much more of them and is still a fixed amount,
                // so memory stays flat however large the store grows.
                store.Execute("PRAGMA cache_size = -65536;");
                store.Execute("PRAGMA foreign_keys = ON;");
                // A checkpoint copies the write-ahead log into the store: every 40 MB instead of SQLite's 4 MB, so a
                // page that several batches change is copied once, not after each batch (the log file grows to that).
                store.Execute("PRAGMA wal_autocheckpoint = 10000;");
                store.Execute("PRAGMA journal_size_limit = 67108864;"); // and the log file is cut back to 64 MB after one
                store.Migrate(migrations);
                return store;
            }
            catch (SqliteException ex)
            {
                connection.Dispose();
                throw new StoreException($"Cannot open the store '{full}': {ex.Message} Check that it is an IncidentTools store and that you can write to it and its folder.", ex);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        /// <summary>
        /// How long an import or correlation holds the write lock at most before it commits and lets other writers
        /// (an analyst's Set-Incident) in; far below BusyTimeout, so nobody waits long enough to notice much.
        /// </summary>
        public static readonly TimeSpan MaxBatchDuration = TimeSpan.FromSeconds(5);

        /// <summary>How long a writer waits for another writer before giving up with a clear error.</summary>
        public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(60);

        /// <summary>
        /// Creates an empty file readable by its owner only (0600 on Unix) unless it exists; an existing file keeps
        /// its permissions (a team shares a store through group permissions). Another process creating it at the
        /// same moment is not an error.
        /// </summary>
        internal static void CreateOwnerOnlyFile(string path)
        {
            if (File.Exists(path)) return;
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            try { using (new FileStream(path, options)) { } }
            catch (IOException) when (File.Exists(path)) { }
        }

        /// <summary>
        /// Opens an existing store for reading only: never creates the file, never migrates, never writes, and
        /// waits for no lock. For tab completion, which must be quick and must not leave a store behind.
        /// </summary>
        public static IncidentStore OpenExistingReadOnly(string path)
        {
            string full = System.IO.Path.GetFullPath(path);
            if (!File.Exists(full)) throw new StoreException($"There is no store at '{full}'.");
            var cs = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 1 }.ToString();
            var connection = new SqliteConnection(cs);
            try
            {
                connection.Open();
                var store = new IncidentStore(full, connection);
                store.Execute("PRAGMA query_only = 1;");
                if (store.SchemaVersion != Schema.CurrentVersion)
                    throw new StoreException($"The store '{full}' has schema version {store.SchemaVersion}; this IncidentTools reads version {Schema.CurrentVersion}.");
                return store;
            }
            catch (SqliteException ex)
            {
                connection.Dispose();
                throw new StoreException($"Cannot read the store '{full}': {ex.Message}", ex);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        public int SchemaVersion => Convert.ToInt32(Scalar("PRAGMA user_version;"));

        /// <summary>
        /// Brings the schema to the newest version: a store of a newer schema is refused untouched; an older one is
        /// first copied aside (store.v{N}.bak), then every missing migration runs in one transaction, so a failed
        /// migration leaves the store exactly as it was. The version is read again under the write lock, so two
        /// processes opening an old store at once migrate it once.
        /// </summary>
        void Migrate(IReadOnlyList<string> migrations)
        {
            int target = migrations.Count;
            int version = SchemaVersion;
            if (version > target) throw TooNew(version, target);
            if (version == target) return;
            if (version > 0)
            {
                // An older store: keep a copy before changing it, so nothing is lost if a migration is wrong.
                var backup = Path + ".v" + version + ".bak";
                if (!File.Exists(backup)) BackupTo(backup);
            }
            using var tx = BeginWrite();
            version = Convert.ToInt32(Scalar("PRAGMA user_version;", tx));
            if (version > target) throw TooNew(version, target);
            for (int v = version; v < target; v++)
            {
                try { Execute(migrations[v], tx); }
                catch (SqliteException ex)
                {
                    throw new StoreException($"Migrating the store '{Path}' from schema version {version} to {target} failed at version {v + 1}: {ex.Message} The store was not changed.", ex);
                }
            }
            Execute($"PRAGMA user_version = {target};", tx);
            tx.Commit();
        }

        StoreException TooNew(int version, int known)
            => new StoreException($"The store '{Path}' has schema version {version}, newer than this IncidentTools understands ({known}). Update the IncidentTools module; the store was not changed.", null, "StoreSchemaTooNew");

        /// <summary>
        /// A consistent online copy through SQLite's backup API: one read snapshot, while other processes keep
        /// writing. The copy is written beside the destination and moved into place only when whole, and is
        /// readable by its owner only unless the destination file already exists.
        /// </summary>
        public void BackupTo(string destination, bool overwrite = false)
        {
            string full = System.IO.Path.GetFullPath(destination);
            if (!overwrite && File.Exists(full)) throw new IOException($"The file '{full}' exists.");
            string partial = full + ".partial-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            try
            {
                CreateOwnerOnlyFile(partial);
                if (File.Exists(full) && !OperatingSystem.IsWindows()) File.SetUnixFileMode(partial, File.GetUnixFileMode(full));
                using (var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = partial, Pooling = false }.ToString()))
                {
                    target.Open();
                    Connection.BackupDatabase(target);
                    // The copy is one self-contained file: no -wal beside it to lose when it is moved or mailed.
                    using var cmd = target.CreateCommand();
                    cmd.CommandText = "PRAGMA journal_mode = DELETE;";
                    cmd.ExecuteNonQuery();
                }
                File.Move(partial, full, overwrite);
            }
            catch (SqliteException ex)
            {
                throw new StoreException($"Backing up the store '{Path}' to '{full}' failed: {ex.Message}", ex);
            }
            finally
            {
                if (File.Exists(partial)) File.Delete(partial);
            }
        }

        internal int Execute(string sql, SqliteTransaction? tx = null, params (string, object?)[] parameters)
        {
            using var cmd = Command(sql, tx, parameters);
            return cmd.ExecuteNonQuery();
        }

        internal object? Scalar(string sql, SqliteTransaction? tx = null, params (string, object?)[] parameters)
        {
            using var cmd = Command(sql, tx, parameters);
            var v = cmd.ExecuteScalar();
            return v is DBNull ? null : v;
        }

        /// <summary>
        /// A command for sql, with its statement already prepared when the same sql ran before: disposing it
        /// returns it to this store for the next caller instead of finalising the statement. Preparing is a
        /// large part of a small statement's cost, and import and correlation run the same few statements per alert.
        /// </summary>
        internal SqliteCommand Command(string sql, SqliteTransaction? tx = null, params (string, object?)[] parameters)
        {
            ReusableCommand cmd;
            if (_idleCommands.TryGetValue(sql, out var idle) && idle.Count > 0)
            {
                cmd = idle.Pop();
                cmd.Idle = false;
                cmd.Parameters.Clear();
            }
            else cmd = new ReusableCommand(this, sql) { Connection = Connection };
            cmd.Transaction = tx;
            foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
            return cmd;
        }

        /// <summary>Prepared commands not in use, by sql. Bounded: queries built from filters can each be different.</summary>
        readonly Dictionary<string, Stack<ReusableCommand>> _idleCommands = new Dictionary<string, Stack<ReusableCommand>>(StringComparer.Ordinal);
        const int MaxReusedStatements = 256;
        bool _disposed;

        /// <returns>True when the store keeps the command for reuse; false when it must really be disposed.</returns>
        bool Return(ReusableCommand cmd)
        {
            if (cmd.Idle) return true; // disposed twice: it is already back, and must not be handed out twice
            if (_disposed) return false;
            if (!_idleCommands.TryGetValue(cmd.CommandText, out var idle))
            {
                if (_idleCommands.Count >= MaxReusedStatements) return false;
                _idleCommands[cmd.CommandText] = idle = new Stack<ReusableCommand>();
            }
            if (idle.Count >= 4) return false;
            cmd.Transaction = null;
            cmd.Idle = true;
            idle.Push(cmd);
            return true;
        }

        /// <summary>A command whose Dispose hands it back to its store, prepared statement and all.</summary>
        sealed class ReusableCommand : SqliteCommand
        {
            readonly IncidentStore _owner;
            public ReusableCommand(IncidentStore owner, string sql) { _owner = owner; CommandText = sql; }
            /// <summary>Back in the store, waiting for its next caller.</summary>
            public bool Idle { get; set; }
            protected override void Dispose(bool disposing)
            {
                if (disposing && _owner.Return(this)) return;
                base.Dispose(disposing);
            }
            internal void DisposeForReal() => base.Dispose(true);
        }

        /// <summary>Starts a write transaction that takes the write lock at once (BEGIN IMMEDIATE), so it waits rather than fails later.</summary>
        internal SqliteTransaction BeginWrite() => Connection.BeginTransaction(deferred: false);

        /// <summary>Statements prepared through SQLite's API (Statement) that are not disposed yet.</summary>
        readonly HashSet<Statement> _statements = new HashSet<Statement>();
        internal void Track(Statement statement) => _statements.Add(statement);
        internal void Forget(Statement statement) => _statements.Remove(statement);

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            // Finalized before the connection closes: SQLite would otherwise keep the file open until the GC ran.
            foreach (var statement in _statements.ToList()) statement.Dispose();
            foreach (var idle in _idleCommands.Values)
                foreach (var cmd in idle) cmd.DisposeForReal();
            _idleCommands.Clear();
            Connection.Dispose();
        }

        internal static long Ticks(DateTimeOffset t) => t.UtcTicks;
        internal static DateTimeOffset Time(long ticks) => new DateTimeOffset(ticks, TimeSpan.Zero);
    }
}
