using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Store
{
    /// <summary>Why a store cannot be used; cmdlets turn it into a terminating error.</summary>
    public sealed class StoreException : Exception
    {
        public StoreException(string message, Exception? inner = null) : base(message, inner) { }
    }

    /// <summary>
    /// The SQLite store: one file per store, WAL mode so readers never block the writer, a busy timeout so
    /// writers wait for each other instead of failing, and a schema created and migrated by the engine.
    /// </summary>
    public sealed class IncidentStore : IDisposable
    {
        public string Path { get; }
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

        /// <summary>Opens (creating when absent) and migrates the store at path.</summary>
        public static IncidentStore Open(string? path = null)
        {
            string full = System.IO.Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? DefaultPath() : path!);
            if (Directory.Exists(full))
                throw new StoreException($"The store path '{full}' is a folder. Give the path of a store file, for example '{System.IO.Path.Combine(full, "incidents.db")}'.");
            string? folder = System.IO.Path.GetDirectoryName(full);
            bool created = !File.Exists(full);
            try
            {
                if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
                {
                    Directory.CreateDirectory(folder);
                    // A folder the tool creates is its owner's only; existing folders keep their permissions.
                    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                if (created)
                {
                    using (new FileStream(full, FileMode.CreateNew, FileAccess.Write)) { }
                    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new StoreException($"Cannot create the store '{full}': {ex.Message} Choose another path with -Store or $env:INCIDENTTOOLS_STORE.", ex);
            }

            var cs = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 60 }.ToString();
            var connection = new SqliteConnection(cs);
            try
            {
                connection.Open();
                var store = new IncidentStore(full, connection);
                store.Execute("PRAGMA busy_timeout = 30000;");
                store.Execute("PRAGMA journal_mode = WAL;");
                store.Execute("PRAGMA synchronous = NORMAL;");
                // SQLite's default page cache is 2 MB: far smaller than the indexes an import and correlation walk
                // at random (entity keys, alert ids). 64 MB holds much more of them and is still a fixed amount,
                // so memory stays flat however large the store grows.
                store.Execute("PRAGMA cache_size = -65536;");
                store.Execute("PRAGMA foreign_keys = ON;");
                store.Migrate();
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

        public int SchemaVersion => Convert.ToInt32(Scalar("PRAGMA user_version;"));

        void Migrate()
        {
            int version = SchemaVersion;
            if (version > Schema.CurrentVersion)
                throw new StoreException($"The store '{Path}' has schema version {version}, newer than this IncidentTools understands ({Schema.CurrentVersion}). Update the IncidentTools module; the store was not changed.");
            if (version == Schema.CurrentVersion) return;
            if (version > 0 && !IsEmptyFile())
            {
                // An older store: keep a copy before changing it, so nothing is lost if a migration is wrong.
                var backup = Path + ".v" + version + ".bak";
                if (!File.Exists(backup)) BackupTo(backup);
            }
            using var tx = Connection.BeginTransaction();
            for (int v = version; v < Schema.CurrentVersion; v++)
            {
                using var cmd = Connection.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = Schema.Migrations[v];
                cmd.ExecuteNonQuery();
            }
            using (var cmd = Connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = $"PRAGMA user_version = {Schema.CurrentVersion};";
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }

        bool IsEmptyFile() => Convert.ToInt64(Scalar("SELECT count(*) FROM sqlite_master;")) == 0;

        /// <summary>A consistent online copy through SQLite's backup API, while others keep writing.</summary>
        public void BackupTo(string destination)
        {
            using var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false }.ToString());
            target.Open();
            Connection.BackupDatabase(target);
        }

        internal void Execute(string sql, SqliteTransaction? tx = null)
        {
            using var cmd = Connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
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

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var idle in _idleCommands.Values)
                foreach (var cmd in idle) cmd.DisposeForReal();
            _idleCommands.Clear();
            Connection.Dispose();
        }

        internal static long Ticks(DateTimeOffset t) => t.UtcTicks;
        internal static DateTimeOffset Time(long ticks) => new DateTimeOffset(ticks, TimeSpan.Zero);
    }
}
