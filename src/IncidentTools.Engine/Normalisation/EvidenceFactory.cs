using System;
using System.Collections.Generic;
using System.Linq;

namespace IncidentTools.Normalisation
{
    /// <summary>
    /// Builds evidence from the fields every format has in some form, so that every reader produces the same
    /// Name (as written) and Key (normalised) for the same entity. Returns null when nothing identifies the entity.
    /// </summary>
    public static class EvidenceFactory
    {
        public static Evidence? Make(EntityType type, string? name, string? key)
        {
            if (key == null || EntityNormaliser.IsPlaceholder(key)) return null;
            string shown = name == null || EntityNormaliser.IsPlaceholder(name) ? key : name.Trim();
            return new Evidence { Type = type, Name = shown, Key = key };
        }

        /// <summary>An entity whose key is its value compared case-insensitively.</summary>
        public static Evidence? Simple(EntityType type, string? name, string? id)
            => EntityNormaliser.IsPlaceholder(id) ? null : Make(type, name, EntityNormaliser.Lower(id!));

        public static Evidence? User(string? name, string? upn, string? sid, string? objectId, string? domain)
        {
            string? key = EntityNormaliser.User(upn, sid, objectId, domain, name);
            string? shown = !EntityNormaliser.IsPlaceholder(upn) ? upn
                : !EntityNormaliser.IsPlaceholder(name) ? (EntityNormaliser.IsPlaceholder(domain) || name!.Contains('\\') ? name : domain + "\\" + name)
                : sid ?? objectId;
            var ev = Make(EntityType.User, shown, key);
            if (ev == null) return null;
            ev.Aliases = Aliases(key!, EntityNormaliser.UserAliases(upn, sid, objectId, domain, name));
            Put(ev, "accountName", name); Put(ev, "domainName", domain); Put(ev, "userPrincipalName", upn);
            Put(ev, "userSid", sid); Put(ev, "objectId", objectId);
            return ev;
        }

        /// <param name="hostName">The short host name, when the record gives it beside the FQDN or an id.</param>
        public static Evidence? Device(string? name, string? deviceId, string? aadDeviceId, string? dnsName, string? hostName = null)
        {
            string? key = EntityNormaliser.Device(deviceId, aadDeviceId, dnsName ?? hostName);
            var ev = Make(EntityType.Device, name ?? dnsName ?? hostName, key);
            if (ev == null) return null;
            ev.Aliases = Aliases(key!, EntityNormaliser.DeviceAliases(deviceId, aadDeviceId, dnsName, hostName));
            Put(ev, "deviceId", deviceId); Put(ev, "azureAdDeviceId", aadDeviceId); Put(ev, "dnsName", dnsName); Put(ev, "hostName", hostName);
            return ev;
        }

        public static Evidence? Mailbox(string? address, string? displayName)
        {
            if (EntityNormaliser.IsPlaceholder(address)) return null;
            var ev = Make(EntityType.Mailbox, address, EntityNormaliser.Lower(address!));
            if (ev != null) Put(ev, "displayName", displayName);
            return ev;
        }

        public static Evidence? Ip(string? address)
        {
            var key = EntityNormaliser.Ip(address);
            return key == null ? null : Make(EntityType.Ip, address, key);
        }

        public static Evidence? Url(string? url) => Make(EntityType.Url, url, EntityNormaliser.Url(url));

        public static Evidence? DomainName(string? domain) => Make(EntityType.Domain, domain, EntityNormaliser.Domain(domain));

        /// <summary>A file is its SHA-256, else SHA-1, else MD5; without a hash, its full path (weaker, but still the same file on one estate).</summary>
        public static Evidence? File(string? fileName, string? folder, string? sha256, string? sha1, string? md5)
        {
            string? path = EntityNormaliser.IsPlaceholder(folder) ? fileName
                : EntityNormaliser.IsPlaceholder(fileName) ? folder : folder!.TrimEnd('\\', '/') + (folder.Contains('/') ? "/" : "\\") + fileName;
            string? key = EntityNormaliser.Hash(sha256) ?? EntityNormaliser.Hash(sha1) ?? EntityNormaliser.Hash(md5)
                ?? (EntityNormaliser.IsPlaceholder(path) ? null : "path:" + EntityNormaliser.Lower(path!));
            var ev = Make(EntityType.File, EntityNormaliser.IsPlaceholder(fileName) ? path : fileName, key);
            if (ev == null) return null;
            Put(ev, "path", path); Put(ev, "sha256", sha256); Put(ev, "sha1", sha1); Put(ev, "md5", md5);
            return ev;
        }

        /// <summary>A process instance: device, process id and creation time; else its command line.</summary>
        public static Evidence? Process(string? name, string? commandLine, string? deviceId, string? processId, string? created)
        {
            string? key = !EntityNormaliser.IsPlaceholder(processId) && !EntityNormaliser.IsPlaceholder(created)
                ? $"{EntityNormaliser.Lower(deviceId ?? "")}|{processId}|{created}"
                : EntityNormaliser.IsPlaceholder(commandLine) ? null : "cmd:" + EntityNormaliser.Lower(commandLine!);
            var ev = Make(EntityType.Process, name ?? commandLine, key);
            if (ev != null) Put(ev, "commandLine", commandLine);
            return ev;
        }

        public static Evidence? RegistryKey(string? hive, string? key)
        {
            var k = EntityNormaliser.RegistryKey(hive, key);
            return Make(EntityType.RegistryKey, EntityNormaliser.IsPlaceholder(hive) || key == null ? key : hive + "\\" + key, k);
        }

        public static Evidence? RegistryValue(string? hive, string? key, string? valueName, string? valueData)
        {
            var k = EntityNormaliser.RegistryKey(hive, key);
            if (k == null) return null;
            string vn = valueName ?? "(default)";
            var ev = Make(EntityType.RegistryValue, (key ?? "") + "\\" + vn, k + "\\" + vn.ToLowerInvariant());
            if (ev != null) Put(ev, "valueData", valueData);
            return ev;
        }

        public static Evidence? CloudApplication(string? name, string? appId)
            => Simple(EntityType.CloudApplication, name, appId ?? name);

        static string[] Aliases(string key, IEnumerable<string> identifiers)
            => identifiers.Where(a => a != key).Distinct(StringComparer.Ordinal).OrderBy(a => a, StringComparer.Ordinal).ToArray();

        static void Put(Evidence ev, string name, string? value)
        {
            if (!EntityNormaliser.IsPlaceholder(value)) ev.Properties[name] = value!;
        }

        /// <summary>One entity per (type, key) in an alert: the same IP twice is one entity, its roles merged.</summary>
        public static List<Evidence> Deduplicate(IEnumerable<Evidence> evidence)
        {
            var byKey = new Dictionary<(EntityType, string), Evidence>();
            var list = new List<Evidence>();
            foreach (var ev in evidence)
            {
                if (byKey.TryGetValue((ev.Type, ev.Key), out var seen))
                {
                    seen.Roles = seen.Roles.Concat(ev.Roles).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
                    foreach (var p in ev.Properties) if (!seen.Properties.ContainsKey(p.Key)) seen.Properties[p.Key] = p.Value;
                    seen.Verdict ??= ev.Verdict;
                    seen.Aliases = seen.Aliases.Concat(ev.Aliases).Distinct(StringComparer.Ordinal).OrderBy(a => a, StringComparer.Ordinal).ToArray();
                    continue;
                }
                byKey[(ev.Type, ev.Key)] = ev;
                list.Add(ev);
            }
            return list;
        }
    }
}
