using System;
using System.IO;
using System.Management.Automation;

namespace IncidentTools.Commands
{
    /// <summary>A consistent copy of the store, taken while other processes keep importing and editing.</summary>
    [Cmdlet(VerbsData.Backup, "IncidentStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class BackupIncidentStoreCommand : StoreCommand
    {
        /// <summary>The backup file, or an existing folder to hold one named after the store and the time.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>Replace an existing backup file.</summary>
        [Parameter] public SwitchParameter Force { get; set; }

        /// <summary>Emit the backup file.</summary>
        [Parameter] public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            var store = OpenStore();
            string target = GetUnresolvedProviderPathFromPSPath(Path);
            if (Directory.Exists(target))
                target = System.IO.Path.Combine(target, System.IO.Path.GetFileNameWithoutExtension(store.Path) + "-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'") + ".db");
            target = System.IO.Path.GetFullPath(target);
            if (string.Equals(target, store.Path, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"The backup path '{target}' is the store itself. Give another file or a folder."),
                    "BackupTargetIsStore", ErrorCategory.InvalidArgument, target));
            var folder = System.IO.Path.GetDirectoryName(target);
            if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
                ThrowTerminatingError(new ErrorRecord(new DirectoryNotFoundException($"The folder '{folder}' for the backup does not exist."),
                    "BackupFolderNotFound", ErrorCategory.ObjectNotFound, folder));
            if (File.Exists(target) && !Force)
                ThrowTerminatingError(new ErrorRecord(new IOException($"The backup file '{target}' exists. Use -Force to replace it."),
                    "BackupTargetExists", ErrorCategory.ResourceExists, target));
            if (!ShouldProcess(target, $"Back up the store '{store.Path}'")) return;
            try
            {
                store.BackupTo(target, overwrite: Force);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is Store.StoreException)
            {
                var error = ex is Store.StoreException ? ex : new IOException($"Backing up the store '{store.Path}' to '{target}' failed: {ex.Message}", ex);
                ThrowTerminatingError(new ErrorRecord(error, "BackupFailed", ErrorCategory.WriteError, target));
            }
            WriteVerbose($"Backed up '{store.Path}' to '{target}'.");
            if (PassThru) WriteObject(new FileInfo(target));
        }
    }
}
