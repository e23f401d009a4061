using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace IncidentTools.Loader
{
    /// <summary>
    /// Loads the cmdlet assembly, the engine and every dependency (Microsoft.Data.Sqlite, SQLitePCLRaw,
    /// Newtonsoft.Json, CsvHelper and the native e_sqlite3) into a load context of their own, resolved from the
    /// cmdlet assembly's .deps.json. A session that already loaded other versions of those assemblies keeps
    /// working, and the native library is found in runtimes/&lt;rid&gt;/native without any help from pwsh.
    /// System.Management.Automation is left to the default context so cmdlets share pwsh's own.
    /// </summary>
    public sealed class ModuleLoadContext : AssemblyLoadContext
    {
        static ModuleLoadContext? _instance;
        static readonly object Gate = new object();
        readonly AssemblyDependencyResolver _resolver;
        readonly string _folder;

        ModuleLoadContext(string mainAssemblyPath) : base("IncidentTools", isCollectible: false)
        {
            _resolver = new AssemblyDependencyResolver(mainAssemblyPath);
            _folder = Path.GetDirectoryName(mainAssemblyPath)!;
        }

        /// <summary>Loads (once per process) and returns the cmdlet assembly for Import-Module -Assembly.</summary>
        public static Assembly LoadCmdletAssembly(string mainAssemblyPath)
        {
            lock (Gate)
            {
                _instance ??= new ModuleLoadContext(Path.GetFullPath(mainAssemblyPath));
                return _instance.LoadFromAssemblyName(new AssemblyName(Path.GetFileNameWithoutExtension(mainAssemblyPath)));
            }
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name == "System.Management.Automation") return null;
            string? path = _resolver.ResolveAssemblyToPath(assemblyName);
            if (path == null)
            {
                // A dependency not named in .deps.json but shipped beside the module.
                string candidate = Path.Combine(_folder, assemblyName.Name + ".dll");
                if (File.Exists(candidate)) path = candidate;
            }
            return path == null ? null : LoadFromAssemblyPath(path);
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            string? path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
            return path == null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
        }
    }
}
