using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace IncidentTools.Normalisation
{
    /// <summary>
    /// Turns an entity as a source wrote it into the key used for correlation. One rule per entity type:
    /// names that Windows and mail systems compare case-insensitively are lower-cased, IP addresses take their
    /// canonical form, defanged indicators take their real form, and a URL keeps the case of its path and query.
    /// </summary>
    public static class EntityNormaliser
    {
        static readonly HashSet<string> PlaceholderValues = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "", "-", "--", "n/a", "na", "none", "null", "nil", "unknown", "undefined", "0", "-1", "?", "(null)", "empty",
        };

        // Accounts every Windows machine has: they say nothing about which attack an alert belongs to.
        static readonly HashSet<string> WellKnownAccounts = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "system", "local system", "localsystem", "nt authority\\system", "local service", "localservice",
            "nt authority\\local service", "network service", "networkservice", "nt authority\\network service",
            "anonymous logon", "nt authority\\anonymous logon", "s-1-5-18", "s-1-5-19", "s-1-5-20", "s-1-5-7",
            "dwm-1", "umfd-0", "umfd-1", "root", "nobody",
        };

        public static bool IsPlaceholder(string? value) => value == null || PlaceholderValues.Contains(value.Trim());

        /// <summary>Real form of a defanged indicator: hxxp:// → http://, evil[.]com → evil.com.</summary>
        public static string Refang(string value)
        {
            string v = value.Trim();
            v = Regex.Replace(v, @"^hxxp(s?)://", m => "http" + m.Groups[1].Value.ToLowerInvariant() + "://", RegexOptions.IgnoreCase);
            v = Regex.Replace(v, @"^fxp://", "ftp://", RegexOptions.IgnoreCase);
            v = v.Replace("[.]", ".").Replace("(.)", ".").Replace("{.}", ".").Replace("[dot]", ".")
                 .Replace("[:]", ":").Replace("[://]", "://").Replace("[@]", "@");
            return v;
        }

        public static string Lower(string value) => value.Trim().ToLowerInvariant();

        public static string? Ip(string? value)
        {
            if (IsPlaceholder(value)) return null;
            string v = Refang(value!);
            // Drop a port ("10.0.0.1:443") and IPv6 zone ids; keep the address.
            if (v.Count(':') == 1 && v.Contains('.')) v = v.Substring(0, v.IndexOf(':'));
            if (v.StartsWith("[") && v.Contains("]")) v = v.Substring(1, v.IndexOf(']') - 1);
            int zone = v.IndexOf('%');
            if (zone > 0) v = v.Substring(0, zone);
            // IPv4 only as a dotted quad of decimals: IPAddress.TryParse would also take "12345" (0.0.48.57),
            // "10.1" (10.0.0.1) and "010.0.0.1" as octal (8.0.0.1).
            if (v.IndexOf(':') < 0) return DottedQuad(v);
            if (!IPAddress.TryParse(v, out var ip)) return null;
            if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
            return ip.ToString().ToLowerInvariant();
        }

        static string? DottedQuad(string v)
        {
            var parts = v.Split('.');
            if (parts.Length != 4) return null;
            var bytes = new byte[4];
            for (int i = 0; i < 4; i++)
            {
                string p = parts[i];
                if (p.Length == 0 || p.Length > 3) return null;
                foreach (char c in p) if (c < '0' || c > '9') return null;
                if (!byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i])) return null;
            }
            return new IPAddress(bytes).ToString();
        }

        public static bool IsNonIdentifyingIp(string key)
        {
            // An anonymised dataset value ("anon:ipaddress:360606", GUIDE) stands for a real address.
            if (key.StartsWith("anon:", StringComparison.Ordinal)) return false;
            if (!IPAddress.TryParse(key, out var ip)) return true;
            if (IPAddress.IsLoopback(ip)) return true;
            if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) || ip.Equals(IPAddress.Broadcast) || ip.Equals(IPAddress.IPv6None)) return true;
            if (ip.IsIPv6LinkLocal || ip.IsIPv6Multicast) return true;
            var b = ip.GetAddressBytes();
            if (b.Length == 4 && (b[0] == 0 || b[0] >= 224 || (b[0] == 169 && b[1] == 254))) return true;
            return false;
        }

        public static string? Domain(string? value)
        {
            if (IsPlaceholder(value)) return null;
            string v = Refang(value!).TrimEnd('.').ToLowerInvariant();
            return v.Length == 0 ? null : v;
        }

        /// <summary>Scheme and host compare case-insensitively; path and query keep their case.</summary>
        public static string? Url(string? value)
        {
            if (IsPlaceholder(value)) return null;
            string v = Refang(value!);
            if (!v.Contains("://")) v = "http://" + v;
            if (Uri.TryCreate(v, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host))
            {
                string host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
                string port = uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
                return uri.Scheme.ToLowerInvariant() + "://" + host + port + uri.PathAndQuery;
            }
            return v;
        }

        public static string? Hash(string? value)
        {
            if (IsPlaceholder(value)) return null;
            string v = value!.Trim().ToLowerInvariant();
            return Regex.IsMatch(v, "^[0-9a-f]{32,128}$") ? v : null;
        }

        /// <summary>A user: UPN, else SID, else directory object id, else DOMAIN\name, all compared case-insensitively.</summary>
        public static string? User(string? upn, string? sid, string? objectId, string? domain, string? name)
        {
            if (!IsPlaceholder(upn) && upn!.Contains('@')) return Lower(upn);
            if (!IsPlaceholder(sid) && sid!.Trim().StartsWith("S-", StringComparison.OrdinalIgnoreCase)) return sid.Trim().ToUpperInvariant();
            if (!IsPlaceholder(objectId)) return Lower(objectId!);
            if (IsPlaceholder(name)) return null;
            string n = name!.Trim();
            if (n.Contains('\\') || n.Contains('@')) return n.ToLowerInvariant();
            return IsPlaceholder(domain) ? n.ToLowerInvariant() : (domain!.Trim() + "\\" + n).ToLowerInvariant();
        }

        /// <summary>
        /// Every identifier of a user that one record gives: UPN, SID, directory object id and DOMAIN\name. A bare
        /// account name without its domain is left out: "admin" on two machines is not the same person.
        /// </summary>
        public static IEnumerable<string> UserAliases(string? upn, string? sid, string? objectId, string? domain, string? name)
        {
            if (!IsPlaceholder(upn) && upn!.Contains('@')) yield return Lower(upn);
            if (!IsPlaceholder(sid) && sid!.Trim().StartsWith("S-", StringComparison.OrdinalIgnoreCase)) yield return sid.Trim().ToUpperInvariant();
            if (!IsPlaceholder(objectId)) yield return Lower(objectId!);
            if (IsPlaceholder(name)) yield break;
            string n = name!.Trim();
            if (n.Contains('\\') || n.Contains('@')) yield return n.ToLowerInvariant();
            else if (!IsPlaceholder(domain)) yield return (domain!.Trim() + "\\" + n).ToLowerInvariant();
        }

        public static bool IsWellKnownAccount(string key, string? name)
            => WellKnownAccounts.Contains(key) || (name != null && WellKnownAccounts.Contains(name.Trim()))
               || (key.Contains('\\') && WellKnownAccounts.Contains(key.Substring(key.IndexOf('\\') + 1)));

        /// <summary>A device: the Defender device id, else the Entra device id, else its DNS name.</summary>
        public static string? Device(string? mdeDeviceId, string? azureAdDeviceId, string? dnsName)
        {
            if (!IsPlaceholder(mdeDeviceId)) return Lower(mdeDeviceId!);
            if (!IsPlaceholder(azureAdDeviceId)) return Lower(azureAdDeviceId!);
            if (!IsPlaceholder(dnsName)) return Lower(dnsName!).TrimEnd('.');
            return null;
        }

        /// <summary>Every identifier of a device that one record gives: Defender and Entra ids, FQDN, host name.</summary>
        public static IEnumerable<string> DeviceAliases(string? mdeDeviceId, string? azureAdDeviceId, string? dnsName, string? hostName)
        {
            foreach (var v in new[] { mdeDeviceId, azureAdDeviceId })
                if (!IsPlaceholder(v)) yield return Lower(v!);
            foreach (var v in new[] { dnsName, hostName })
                if (!IsPlaceholder(v)) yield return Lower(v!).TrimEnd('.');
        }

        static readonly Dictionary<string, string> HiveNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["HKLM"] = "hkey_local_machine", ["HKCU"] = "hkey_current_user", ["HKU"] = "hkey_users",
            ["HKCR"] = "hkey_classes_root", ["HKCC"] = "hkey_current_config",
        };

        /// <summary>Registry paths compare case-insensitively; hive abbreviations take their full name.</summary>
        public static string? RegistryKey(string? hive, string? key)
        {
            if (IsPlaceholder(key)) return null;
            string k = key!.Trim().Trim('\\');
            int slash = k.IndexOf('\\');
            string first = slash < 0 ? k : k.Substring(0, slash);
            if (HiveNames.TryGetValue(first, out var full)) k = full + (slash < 0 ? "" : k.Substring(slash));
            else if (!first.StartsWith("HKEY_", StringComparison.OrdinalIgnoreCase) && !IsPlaceholder(hive))
            {
                string h = hive!.Trim();
                k = (HiveNames.TryGetValue(h, out var fh) ? fh : h) + "\\" + k;
            }
            return k.ToLowerInvariant();
        }

        /// <summary>
        /// True for an entity that is common by nature: a file known only by a name without its folder, or by a path
        /// in the Windows folder. Every machine has c:\windows\system32\cmd.exe, so such a path alone says nothing
        /// about which attack an alert belongs to; with the same host it still does. Correlation treats it as a
        /// too-common entity (a file with a hash is keyed by the hash and is not affected).
        /// </summary>
        public static bool IsCommonByNature(EntityType type, string key) => type == EntityType.File && IsSystemFilePath(key);

        static bool IsSystemFilePath(string key)
        {
            if (!key.StartsWith("path:", StringComparison.Ordinal)) return false;
            string path = key.Substring(5).Replace('/', '\\');
            if (path.IndexOf('\\') < 0) return true;
            return path.Contains(":\\windows\\") || path.StartsWith("\\systemroot\\", StringComparison.Ordinal)
                || path.StartsWith("%systemroot%\\", StringComparison.Ordinal) || path.StartsWith("%windir%\\", StringComparison.Ordinal);
        }

        /// <summary>True when an entity can never link alerts on its own, whatever the policy says.</summary>
        public static bool IsNoise(EntityType type, string key, string? name)
        {
            if (IsPlaceholder(key)) return true;
            switch (type)
            {
                case EntityType.Ip: return IsNonIdentifyingIp(key);
                case EntityType.User: return IsWellKnownAccount(key, name);
                case EntityType.Domain: return key == "localhost" || key == "localdomain" || !key.Contains('.');
                default: return false;
            }
        }
    }

    static class StringCountExtensions
    {
        public static int Count(this string s, char c)
        {
            int n = 0;
            foreach (char x in s) if (x == c) n++;
            return n;
        }
    }
}
