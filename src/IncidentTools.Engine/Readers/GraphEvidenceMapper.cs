using System;
using System.Collections.Generic;
using System.Linq;
using IncidentTools.Normalisation;
using Newtonsoft.Json.Linq;
using static IncidentTools.Readers.JsonValues;

namespace IncidentTools.Readers
{
    /// <summary>Graph alerts_v2 evidence (one @odata.type per kind) → entities.</summary>
    public static class GraphEvidenceMapper
    {
        public static void Map(JObject e, List<Evidence> into)
        {
            string type = (Str(e, "@odata.type") ?? "").Split('.').Last().TrimStart('#');
            string[] roles = StrArray(e, "roles").Concat(StrArray(e, "detailedRoles")).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
            string? verdict = Str(e, "verdict");
            int before = into.Count;
            switch (type.ToLowerInvariant())
            {
                case "deviceevidence":
                {
                    string? dns = Str(e, "deviceDnsName");
                    string? host = Str(e, "hostName");
                    var ev = EvidenceFactory.Device(dns ?? host ?? Str(e, "mdeDeviceId"), Str(e, "mdeDeviceId"), Str(e, "azureAdDeviceId"), dns, host);
                    if (ev != null)
                    {
                        Prop(ev, e, "osPlatform", "osBuild", "rbacGroupName", "healthStatus", "riskScore", "onboardingStatus");
                        var ips = StrArray(e, "ipInterfaces");
                        if (ips.Length > 0) ev.Properties["ipInterfaces"] = string.Join(";", ips);
                        into.Add(ev);
                    }
                    foreach (var u in Objects(Arr(e, "loggedOnUsers")))
                        Add(into, EvidenceFactory.User(u["accountName"]?.ToString(), null, null, null, Str(u, "domainName")), new[] { "loggedOn" });
                    break;
                }
                case "userevidence":
                    AddAccount(into, Obj(e, "userAccount"));
                    break;
                case "mailboxevidence":
                    Add(into, EvidenceFactory.Mailbox(Str(e, "primaryAddress"), Str(e, "displayName")));
                    AddAccount(into, Obj(e, "userAccount"));
                    break;
                case "ipevidence":
                {
                    var ev = EvidenceFactory.Ip(Str(e, "ipAddress"));
                    if (ev != null) { Prop(ev, e, "countryLetterCode"); into.Add(ev); }
                    break;
                }
                case "fileevidence":
                    AddFile(into, Obj(e, "fileDetails"), Str(e, "mdeDeviceId"));
                    break;
                case "processevidence":
                {
                    var image = Obj(e, "imageFile");
                    string? name = Str(image, "fileName") ?? Str(e, "processCommandLine");
                    var ev = EvidenceFactory.Process(name, Str(e, "processCommandLine"), Str(e, "mdeDeviceId"), Str(e, "processId"), Str(e, "processCreationDateTime"));
                    if (ev != null) { Prop(ev, e, "processId", "parentProcessId", "processCreationDateTime"); into.Add(ev); }
                    AddFile(into, image, Str(e, "mdeDeviceId"));
                    int parentAt = into.Count;
                    AddFile(into, Obj(e, "parentProcessImageFile"), Str(e, "mdeDeviceId"));
                    if (into.Count > parentAt) into[parentAt].Roles = new[] { "parentProcessImage" };
                    AddAccount(into, Obj(e, "userAccount"));
                    break;
                }
                case "urlevidence":
                    Add(into, EvidenceFactory.Url(Str(e, "url")));
                    break;
                case "registrykeyevidence":
                    Add(into, EvidenceFactory.RegistryKey(Str(e, "registryHive"), Str(e, "registryKey")));
                    break;
                case "registryvalueevidence":
                    Add(into, EvidenceFactory.RegistryValue(Str(e, "registryHive"), Str(e, "registryKey"), Str(e, "registryValueName"), Str(e, "registryValue")));
                    break;
                case "cloudapplicationevidence":
                    Add(into, EvidenceFactory.CloudApplication(Str(e, "displayName") ?? Str(e, "appId"), Str(e, "appId")));
                    break;
                case "oauthapplicationevidence":
                    Add(into, EvidenceFactory.Simple(EntityType.OAuthApplication, Str(e, "displayName") ?? Str(e, "appId"), Str(e, "appId") ?? Str(e, "objectId") ?? Str(e, "displayName")));
                    break;
                case "analyzedmessageevidence":
                {
                    var ev = EvidenceFactory.Simple(EntityType.MailMessage, Str(e, "subject") ?? Str(e, "networkMessageId"), Str(e, "networkMessageId") ?? Str(e, "internetMessageId"));
                    if (ev != null) { Prop(ev, e, "internetMessageId", "senderIp", "recipientEmailAddress", "deliveryAction", "deliveryLocation"); into.Add(ev); }
                    Add(into, EvidenceFactory.Mailbox(Str(e, "recipientEmailAddress"), null), new[] { "recipient" });
                    Add(into, EvidenceFactory.Ip(Str(e, "senderIp")), new[] { "sender" });
                    foreach (var url in StrArray(e, "urls")) Add(into, EvidenceFactory.Url(url));
                    break;
                }
                case "mailclusterevidence":
                    Add(into, EvidenceFactory.Simple(EntityType.MailCluster, Str(e, "clusterByValue") ?? Str(e, "query"), Str(e, "query") ?? (Str(e, "clusterBy") + ":" + Str(e, "clusterByValue"))));
                    break;
                case "securitygroupevidence":
                    Add(into, EvidenceFactory.Simple(EntityType.SecurityGroup, Str(e, "displayName") ?? Str(e, "securityGroupId"), Str(e, "securityGroupId") ?? Str(e, "displayName")));
                    break;
                case "azureresourceevidence":
                case "amazonresourceevidence":
                case "googlecloudresourceevidence":
                {
                    string? rid = First(e, "resourceId", "amazonResourceId", "fullResourceName", "resourceName");
                    Add(into, EvidenceFactory.Simple(EntityType.CloudResource, First(e, "resourceName", "resourceId", "amazonResourceId", "fullResourceName"), rid));
                    break;
                }
                case "malwareevidence":
                    Add(into, EvidenceFactory.Simple(EntityType.Malware, Str(e, "name"), Str(e, "name")));
                    foreach (var f in Objects(Arr(e, "files"))) AddFile(into, Obj(f, "fileDetails"), null);
                    break;
                case "dnsevidence":
                    Add(into, EvidenceFactory.DomainName(Str(e, "domainName")));
                    break;
                case "nicevidence":
                    Add(into, EvidenceFactory.Ip(Str(Obj(e, "ipAddress"), "ipAddress") ?? Str(e, "ipAddress")));
                    break;
                default:
                {
                    // An evidence kind this version does not know: kept, visible, and never used to link alerts.
                    string label = type.Length > 0 ? type : "evidence";
                    var ev = EvidenceFactory.Simple(EntityType.Other, label, ValueMaps.DerivedId(e.ToString(Newtonsoft.Json.Formatting.None)));
                    if (ev != null) { ev.Properties["odataType"] = label; into.Add(ev); }
                    break;
                }
            }
            for (int i = before; i < into.Count; i++)
            {
                if (into[i].Roles.Length == 0) into[i].Roles = roles;
                into[i].Verdict ??= verdict;
            }
        }

        static void AddAccount(List<Evidence> into, JObject? account)
        {
            if (account == null) return;
            var ev = EvidenceFactory.User(Str(account, "accountName"), Str(account, "userPrincipalName"), Str(account, "userSid"), Str(account, "azureAdUserId"), Str(account, "domainName"));
            if (ev != null && Str(account, "displayName") is string dn) ev.Properties["displayName"] = dn;
            Add(into, ev);
        }

        static void AddFile(List<Evidence> into, JObject? file, string? deviceId)
        {
            if (file == null) return;
            var ev = EvidenceFactory.File(Str(file, "fileName"), Str(file, "filePath"), Str(file, "sha256"), Str(file, "sha1"), Str(file, "md5"));
            if (ev == null) return;
            Prop(ev, file, "fileSize", "filePublisher", "signer");
            if (deviceId != null) ev.Properties["mdeDeviceId"] = deviceId;
            into.Add(ev);
        }

        static void Add(List<Evidence> into, Evidence? ev, string[]? roles = null)
        {
            if (ev == null) return;
            if (roles != null) ev.Roles = roles;
            into.Add(ev);
        }

        static void Prop(Evidence ev, JObject source, params string[] names)
        {
            foreach (var n in names)
                if (Str(source, n) is string v) ev.Properties[n] = v;
        }
    }
}
