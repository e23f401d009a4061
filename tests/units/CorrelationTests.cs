using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using IncidentTools.Correlation;
using IncidentTools.Import;
using IncidentTools.Store;
using Newtonsoft.Json.Linq;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>Builds Microsoft Graph alerts_v2 alerts with evidence, the shape Get-MgSecurityAlertV2 emits.</summary>
    public static class GraphAlert
    {
        public const string TenantA = "11111111-1111-1111-1111-111111111111";
        public const string TenantB = "22222222-2222-2222-2222-222222222222";
        public static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

        /// <summary>An alert whose activity runs from T0 + at for five minutes.</summary>
        public static JObject Make(string id, TimeSpan at, params JObject[] evidence)
            => Make(id, at, TenantA, "High", "Execution", evidence);

        public static JObject Make(string id, TimeSpan at, string tenant, string severity, string category, params JObject[] evidence)
        {
            var first = T0 + at;
            return new JObject
            {
                ["@odata.type"] = "#microsoft.graph.security.alert",
                ["id"] = id,
                ["providerAlertId"] = id,
                ["title"] = "Alert " + id,
                ["severity"] = severity,
                ["status"] = "new",
                ["category"] = category,
                ["serviceSource"] = "microsoftDefenderForEndpoint",
                ["detectionSource"] = "edr",
                ["tenantId"] = tenant,
                ["createdDateTime"] = (first + TimeSpan.FromMinutes(6)).ToString("o"),
                ["firstActivityDateTime"] = first.ToString("o"),
                ["lastActivityDateTime"] = (first + TimeSpan.FromMinutes(5)).ToString("o"),
                ["evidence"] = new JArray(evidence.Select(e => (object)e).ToArray()),
            };
        }

        public static string AlertId(string providerId, string tenant = TenantA) => "defender:" + tenant + ":" + providerId;

        public static JObject User(string? upn, string? accountName = null, string? domainName = null, string? sid = null)
            => Evidence("userEvidence", new JProperty("userAccount", NonNull(
                ("userPrincipalName", upn), ("accountName", accountName), ("domainName", domainName), ("userSid", sid))));

        public static JObject Device(string? mdeDeviceId, string? dnsName, string? hostName = null)
            => Evidence("deviceEvidence", NonNull(("mdeDeviceId", mdeDeviceId), ("deviceDnsName", dnsName), ("hostName", hostName)).Properties().ToArray());

        /// <summary>Only the given values (a JValue holding a null string is not what ConvertFrom-Json gives).</summary>
        static JObject NonNull(params (string Name, string? Value)[] values)
        {
            var o = new JObject();
            foreach (var (name, value) in values) if (value != null) o[name] = value;
            return o;
        }

        public static JObject Ip(string address) => Evidence("ipEvidence", new JProperty("ipAddress", address));
        public static JObject Url(string url) => Evidence("urlEvidence", new JProperty("url", url));
        public static JObject Domain(string domain) => Evidence("dnsEvidence", new JProperty("domainName", domain));
        public static JObject Mailbox(string address) => Evidence("mailboxEvidence", new JProperty("primaryAddress", address));
        public static JObject FileAt(string folder, string name)
            => Evidence("fileEvidence", new JProperty("fileDetails", new JObject { ["fileName"] = name, ["filePath"] = folder }));

        static JObject Evidence(string kind, params JProperty[] properties)
        {
            var o = new JObject { ["@odata.type"] = "#microsoft.graph.security." + kind, ["roles"] = new JArray(), ["verdict"] = "suspicious" };
            foreach (var p in properties) o.Add(new JProperty(p.Name, p.Value));
            return o;
        }
    }

    /// <summary>A store in a temporary folder, deleted afterwards, with shortcuts to import and query.</summary>
    public sealed class TestStore : IDisposable
    {
        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "it-tests-" + Guid.NewGuid().ToString("N"));
        public string FilePath => Path.Combine(Folder, "incidents.db");
        public IncidentStore Store { get; }
        public List<ImportProblem> Problems { get; } = new List<ImportProblem>();

        public TestStore(CorrelationPolicy? policy = null)
        {
            Directory.CreateDirectory(Folder);
            Store = IncidentStore.Open(FilePath);
            if (policy != null) CorrelationPolicyStore.Save(Store, policy);
        }

        /// <summary>One import session holding all the given alerts.</summary>
        public ImportSummary Import(params JObject[] alerts)
        {
            using var session = new ImportSession(Store, new ImportOptions(), Problems.Add);
            foreach (var a in alerts) session.ImportObject((JObject)a.DeepClone());
            return session.Complete();
        }

        public ImportSummary ImportFile(string path, ImportOptions? options = null)
        {
            using var session = new ImportSession(Store, options ?? new ImportOptions(), Problems.Add);
            session.ImportFile(path);
            return session.Complete();
        }

        public IncidentReader Reader => new IncidentReader(Store);

        public long IncidentOf(string providerId, string tenant = GraphAlert.TenantA)
        {
            var alert = Assert.Single(Reader.Alerts(null, new[] { GraphAlert.AlertId(providerId, tenant) }));
            Assert.NotNull(alert.IncidentId);
            return alert.IncidentId!.Value;
        }

        public Incident Incident(long id) => Reader.Incident(id) ?? throw new Xunit.Sdk.XunitException($"no incident {id}");

        /// <summary>Incidents that are not Redirected.</summary>
        public List<Incident> LiveIncidents()
            => Reader.Incidents(new IncidentFilter { SortBy = IncidentSortBy.Id, Ascending = true }).Where(i => i.Status != IncidentStatus.Redirected).ToList();

        /// <summary>Every alert's incident, by provider alert id.</summary>
        public SortedDictionary<string, long> Assignment()
        {
            var map = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var a in Reader.Alerts(null, null)) map[a.ProviderAlertId] = a.IncidentId ?? -1;
            return map;
        }

        public long Count(string sql, params (string, object?)[] parameters) => Convert.ToInt64(Store.Scalar(sql, null, parameters));

        public void Dispose()
        {
            Store.Dispose();
            try { Directory.Delete(Folder, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The correlation scenarios of issue 4: which alerts must, and must not, end up in one incident.</summary>
    public class CorrelationTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);
        static TimeSpan Hours(double h) => TimeSpan.FromHours(h);

        [Fact]
        public void Upn_differing_only_in_case_ten_minutes_apart_correlates()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("Alice@Contoso.com")),
                     GraphAlert.Make("a2", Min(10), GraphAlert.User("alice@contoso.com")));
            Assert.Equal(s.IncidentOf("a1"), s.IncidentOf("a2"));
            var incident = Assert.Single(s.LiveIncidents());
            Assert.Equal(2, incident.AlertCount);
            Assert.Equal(1, incident.UserCount);
            var user = Assert.Single(s.Reader.Entities(new[] { incident.Id }, new[] { EntityType.User }, null));
            Assert.Equal("alice@contoso.com", user.Key);
            Assert.Equal(2, user.AlertCount);
        }

        [Fact]
        public void The_link_is_recorded_with_the_shared_entity_and_the_gap()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("Alice@Contoso.com")),
                     GraphAlert.Make("a2", Min(10), GraphAlert.User("alice@contoso.com")));
            long id = s.IncidentOf("a1");
            Assert.Equal(1, s.Count("SELECT count(*) FROM correlation_links WHERE incident_id = $i AND alert_id = $a AND linked_alert_id = $b AND rule = 'SharedEntity:User' AND gap_seconds = 300",
                ("$i", id), ("$a", GraphAlert.AlertId("a2")), ("$b", GraphAlert.AlertId("a1"))));
        }

        [Fact]
        public void Mailbox_addresses_differing_in_case_correlate()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("m1", Min(0), GraphAlert.Mailbox("Bob@Contoso.com")),
                     GraphAlert.Make("m2", Min(30), GraphAlert.Mailbox("bob@contoso.COM")));
            Assert.Equal(s.IncidentOf("m1"), s.IncidentOf("m2"));
        }

        [Fact]
        public void Urls_differing_only_in_path_case_do_not_correlate()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("u1", Min(0), GraphAlert.Url("http://phish.example/Login")),
                     GraphAlert.Make("u2", Min(10), GraphAlert.Url("http://phish.example/login")));
            Assert.NotEqual(s.IncidentOf("u1"), s.IncidentOf("u2"));
            Assert.Equal(2, s.LiveIncidents().Count);
        }

        [Fact]
        public void Urls_differing_only_in_host_case_correlate()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("u1", Min(0), GraphAlert.Url("http://PHISH.example/Login")),
                     GraphAlert.Make("u2", Min(10), GraphAlert.Url("http://phish.example/Login")));
            Assert.Equal(s.IncidentOf("u1"), s.IncidentOf("u2"));
        }

        [Fact]
        public void Defanged_url_correlates_with_its_real_form()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("d1", Min(0), GraphAlert.Url("hxxp://evil[.]com/payload")),
                     GraphAlert.Make("d2", Min(10), GraphAlert.Url("http://evil.com/payload")));
            Assert.Equal(s.IncidentOf("d1"), s.IncidentOf("d2"));
        }

        [Fact]
        public void Defanged_domain_correlates_with_its_real_form()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("d1", Min(0), GraphAlert.Domain("evil[.]com")),
                     GraphAlert.Make("d2", Min(10), GraphAlert.Domain("EVIL.com")));
            Assert.Equal(s.IncidentOf("d1"), s.IncidentOf("d2"));
            var domain = Assert.Single(s.Reader.Entities(new[] { s.IncidentOf("d1") }, new[] { EntityType.Domain }, null));
            Assert.Equal("evil.com", domain.Key);
        }

        [Fact]
        public void Short_name_and_fqdn_with_one_device_id_are_one_device()
        {
            using var s = new TestStore();
            const string mde = "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678";
            s.Import(GraphAlert.Make("w1", Min(0), GraphAlert.Device(mde, "ws01")),
                     GraphAlert.Make("w2", Min(20), GraphAlert.Device(mde.ToLowerInvariant(), "ws01.contoso.local")));
            long id = s.IncidentOf("w1");
            Assert.Equal(id, s.IncidentOf("w2"));
            Assert.Equal(1, s.Incident(id).DeviceCount);
            var device = Assert.Single(s.Reader.Entities(new[] { id }, new[] { EntityType.Device }, null));
            Assert.Equal(mde.ToLowerInvariant(), device.Key);
            Assert.Equal(2, device.AlertCount);
            Assert.Single(s.Reader.Entities(null, new[] { EntityType.Device }, null));
        }

        [Fact]
        public void An_alert_carrying_the_same_ip_twice_yields_one_entity()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("i1", Min(0), GraphAlert.Ip("203.0.113.7"), GraphAlert.Ip("203.0.113.7"), GraphAlert.Ip("::ffff:203.0.113.7")));
            var alert = Assert.Single(s.Reader.Alerts(null, new[] { GraphAlert.AlertId("i1") }));
            Assert.Single(alert.Evidence, e => e.Type == EntityType.Ip);
            var ip = Assert.Single(s.Reader.Entities(null, new[] { EntityType.Ip }, null));
            Assert.Equal("203.0.113.7", ip.Key);
            Assert.Equal(1, ip.AlertCount);
            Assert.Equal(1, s.Count("SELECT alert_count FROM entities WHERE key = '203.0.113.7'"));
        }

        [Fact]
        public void Alerts_sharing_only_loopback_do_not_correlate()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("l1", Min(0), GraphAlert.Ip("127.0.0.1")),
                     GraphAlert.Make("l2", Min(5), GraphAlert.Ip("127.0.0.1")),
                     GraphAlert.Make("l3", Min(6), GraphAlert.Ip("::1")));
            Assert.Equal(3, new[] { s.IncidentOf("l1"), s.IncidentOf("l2"), s.IncidentOf("l3") }.Distinct().Count());
        }

        [Fact]
        public void Alerts_sharing_only_the_system_account_do_not_correlate()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("s1", Min(0), GraphAlert.User(null, "SYSTEM", "NT AUTHORITY", "S-1-5-18")),
                     GraphAlert.Make("s2", Min(5), GraphAlert.User(null, "system", "nt authority", "S-1-5-18")));
            Assert.NotEqual(s.IncidentOf("s1"), s.IncidentOf("s2"));
        }

        [Fact]
        public void A_value_seen_on_most_alerts_does_not_link_them()
        {
            // The share is counted over the window before each alert, so the rule starts once the window holds the
            // minimum of alerts (here from p2 on); before that a shared value still links.
            var policy = new CorrelationPolicy { PrevalenceMinimumAlerts = 3, PrevalenceThreshold = 0.5 };
            using var s = new TestStore(policy);
            // A proxy address on every alert; each alert has its own user, except p0 and p1 which share one.
            var alerts = Enumerable.Range(0, 8).Select(i => GraphAlert.Make("p" + i, Min(i * 3), GraphAlert.Ip("198.51.100.80"),
                GraphAlert.User(i <= 1 ? "carol@contoso.com" : $"user{i}@contoso.com"))).ToArray();
            s.Import(alerts);
            Assert.Equal(s.IncidentOf("p0"), s.IncidentOf("p1"));
            Assert.Equal(7, s.LiveIncidents().Count);
            Assert.Equal(7, Enumerable.Range(1, 7).Select(i => s.IncidentOf("p" + i)).Distinct().Count());
        }

        [Fact]
        public void Below_the_prevalence_minimum_a_shared_value_still_links()
        {
            // The control for the test above: the same alerts under the default policy (minimum 50 alerts) are one incident.
            using var s = new TestStore();
            var alerts = Enumerable.Range(0, 8).Select(i => GraphAlert.Make("p" + i, Min(i * 3), GraphAlert.Ip("198.51.100.80"),
                GraphAlert.User($"user{i}@contoso.com"))).ToArray();
            s.Import(alerts);
            Assert.Single(s.LiveIncidents());
        }

        [Fact]
        public void Alerts_outside_the_window_do_not_correlate()
        {
            using var s = new TestStore();
            // a1 runs 0:00–0:05; a2 starts 24h10m later (gap 24h05m > 24h); a3 starts 23h after a1 ends.
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("dave@contoso.com")),
                     GraphAlert.Make("a2", Hours(24) + Min(10), GraphAlert.User("dave@contoso.com")));
            Assert.NotEqual(s.IncidentOf("a1"), s.IncidentOf("a2"));

            using var inside = new TestStore();
            inside.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("dave@contoso.com")),
                          GraphAlert.Make("a3", Hours(23) + Min(5), GraphAlert.User("dave@contoso.com")));
            Assert.Equal(inside.IncidentOf("a1"), inside.IncidentOf("a3"));
        }

        [Fact]
        public void The_window_follows_the_policy()
        {
            using var s = new TestStore(new CorrelationPolicy { WindowHours = 1 });
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("dave@contoso.com")),
                     GraphAlert.Make("a2", Min(50), GraphAlert.User("dave@contoso.com")),
                     GraphAlert.Make("a3", Hours(3), GraphAlert.User("dave@contoso.com")));
            Assert.Equal(s.IncidentOf("a1"), s.IncidentOf("a2"));
            Assert.NotEqual(s.IncidentOf("a1"), s.IncidentOf("a3"));
        }

        [Fact]
        public void An_alert_arriving_late_but_earlier_in_event_time_correlates_by_event_time()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("late", Hours(10), GraphAlert.User("erin@contoso.com")));
            s.Import(GraphAlert.Make("early", Hours(1), GraphAlert.User("erin@contoso.com")));
            Assert.Equal(s.IncidentOf("late"), s.IncidentOf("early"));
        }

        [Fact]
        public void A_resolved_incident_is_not_merged_into_and_the_refusal_is_recorded()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("r1", Min(0), GraphAlert.User("frank@contoso.com")));
            long resolved = s.IncidentOf("r1");
            new IncidentEditor(s.Store).Apply(resolved, new IncidentChange { Status = IncidentStatus.Resolved, Classification = Classification.TruePositive, Determination = Determination.Malware, Actor = "analyst" });

            var summary = s.Import(GraphAlert.Make("r2", Min(30), GraphAlert.User("frank@contoso.com")));
            long fresh = s.IncidentOf("r2");
            Assert.NotEqual(resolved, fresh);
            Assert.Equal(new[] { fresh }, summary.CreatedIncidentIds);
            Assert.Empty(summary.MergedIncidentIds);
            Assert.Equal(IncidentStatus.Resolved, s.Incident(resolved).Status);
            Assert.Equal(1, s.Incident(resolved).AlertCount);
            Assert.Equal(1, s.Count("SELECT count(*) FROM correlation_refusals WHERE incident_id = $i AND alert_id = $a AND reason LIKE '%Resolved%'",
                ("$i", resolved), ("$a", GraphAlert.AlertId("r2"))));
        }

        [Fact]
        public void With_reopen_in_the_policy_a_resolved_incident_takes_the_alert_and_reopens()
        {
            using var s = new TestStore(new CorrelationPolicy { ReopenResolved = true });
            s.Import(GraphAlert.Make("r1", Min(0), GraphAlert.User("frank@contoso.com")));
            long id = s.IncidentOf("r1");
            new IncidentEditor(s.Store).Apply(id, new IncidentChange { Status = IncidentStatus.Resolved, Actor = "analyst" });
            s.Import(GraphAlert.Make("r2", Min(30), GraphAlert.User("frank@contoso.com")));
            Assert.Equal(id, s.IncidentOf("r2"));
            Assert.Equal(IncidentStatus.Active, s.Incident(id).Status);
            Assert.Contains(s.Reader.History(id), h => h.Action == "Reopened");
        }

        [Fact]
        public void Alerts_of_different_tenants_never_correlate()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("t1", Min(0), GraphAlert.TenantA, "High", "Execution", GraphAlert.User("alice@contoso.com"), GraphAlert.Ip("203.0.113.9")),
                     GraphAlert.Make("t2", Min(1), GraphAlert.TenantB, "High", "Execution", GraphAlert.User("alice@contoso.com"), GraphAlert.Ip("203.0.113.9")));
            long a = s.IncidentOf("t1", GraphAlert.TenantA), b = s.IncidentOf("t2", GraphAlert.TenantB);
            Assert.NotEqual(a, b);
            Assert.Equal(GraphAlert.TenantA, s.Incident(a).TenantId);
            Assert.Equal(GraphAlert.TenantB, s.Incident(b).TenantId);
            // The same value in two tenants is two entities.
            Assert.Equal(2, s.Count("SELECT count(*) FROM entities WHERE key = 'alice@contoso.com'"));
        }

        [Fact]
        public void The_import_tenant_overrides_the_records_tenant_so_they_correlate()
        {
            using var s = new TestStore();
            using (var session = new ImportSession(s.Store, new ImportOptions { TenantId = "contoso" }, s.Problems.Add))
            {
                session.ImportObject(GraphAlert.Make("t1", Min(0), GraphAlert.TenantA, "High", "Execution", GraphAlert.User("alice@contoso.com")));
                session.ImportObject(GraphAlert.Make("t2", Min(1), GraphAlert.TenantB, "High", "Execution", GraphAlert.User("alice@contoso.com")));
                session.Complete();
            }
            Assert.Equal(s.IncidentOf("t1", "contoso"), s.IncidentOf("t2", "contoso"));
        }

        [Fact]
        public void An_alert_linking_two_incidents_merges_them()
        {
            using var s = new TestStore();
            var first = s.Import(GraphAlert.Make("x1", Min(0), GraphAlert.User("gina@contoso.com")),
                                 GraphAlert.Make("x2", Min(5), GraphAlert.Device("dev-2", "ws02.contoso.local")));
            long a = s.IncidentOf("x1"), b = s.IncidentOf("x2");
            Assert.NotEqual(a, b);
            Assert.Equal(new[] { a, b }.OrderBy(x => x), first.CreatedIncidentIds);

            var second = s.Import(GraphAlert.Make("x3", Min(20), GraphAlert.User("Gina@Contoso.com"), GraphAlert.Device("DEV-2", "ws02")));
            long survivor = s.IncidentOf("x3");
            long absorbed = survivor == a ? b : a;
            Assert.Equal(Math.Min(a, b), survivor); // the older incident survives
            Assert.Equal(survivor, s.IncidentOf("x1"));
            Assert.Equal(survivor, s.IncidentOf("x2"));
            Assert.Equal(new[] { absorbed }, second.MergedIncidentIds);
            Assert.Equal(new[] { survivor }, second.UpdatedIncidentIds);
            Assert.Empty(second.CreatedIncidentIds);

            var gone = s.Incident(absorbed);
            Assert.Equal(IncidentStatus.Redirected, gone.Status);
            Assert.Equal(survivor, gone.RedirectIncidentId);
            Assert.Equal(3, s.Incident(survivor).AlertCount);
            Assert.Contains(s.Reader.History(absorbed), h => h.Action == "Redirected" && h.NewValue == survivor.ToString());
            Assert.Contains(s.Reader.History(survivor), h => h.Action == "Merged" && h.NewValue == absorbed.ToString());
            Assert.Single(s.LiveIncidents());
        }

        [Fact]
        public void Incidents_assigned_to_different_people_are_not_merged()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("x1", Min(0), GraphAlert.User("gina@contoso.com")),
                     GraphAlert.Make("x2", Min(5), GraphAlert.Device("dev-2", "ws02.contoso.local")));
            long a = s.IncidentOf("x1"), b = s.IncidentOf("x2");
            var editor = new IncidentEditor(s.Store);
            editor.Apply(a, new IncidentChange { AssignedTo = "ann@contoso.com", Actor = "lead" });
            editor.Apply(b, new IncidentChange { AssignedTo = "ben@contoso.com", Actor = "lead" });

            var summary = s.Import(GraphAlert.Make("x3", Min(20), GraphAlert.User("gina@contoso.com"), GraphAlert.Device("dev-2", "ws02")));
            Assert.Empty(summary.MergedIncidentIds);
            Assert.Equal(IncidentStatus.Active, s.Incident(a).Status);
            Assert.Equal(IncidentStatus.Active, s.Incident(b).Status);
            Assert.Null(s.Incident(b).RedirectIncidentId);
            Assert.Contains(s.IncidentOf("x3"), new[] { a, b });
            Assert.Equal(1, s.Count("SELECT count(*) FROM correlation_refusals WHERE alert_id = $x AND reason LIKE '%different people%' AND ((incident_id = $a AND other_incident_id = $b) OR (incident_id = $b AND other_incident_id = $a))",
                ("$x", GraphAlert.AlertId("x3")), ("$a", a), ("$b", b)));
        }

        [Fact]
        public void Incidents_assigned_to_the_same_person_are_merged()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("x1", Min(0), GraphAlert.User("gina@contoso.com")),
                     GraphAlert.Make("x2", Min(5), GraphAlert.Device("dev-2", "ws02.contoso.local")));
            long a = s.IncidentOf("x1"), b = s.IncidentOf("x2");
            var editor = new IncidentEditor(s.Store);
            editor.Apply(a, new IncidentChange { AssignedTo = "ann@contoso.com", Actor = "lead" });
            editor.Apply(b, new IncidentChange { AssignedTo = "Ann@Contoso.com", Actor = "lead" });
            var summary = s.Import(GraphAlert.Make("x3", Min(20), GraphAlert.User("gina@contoso.com"), GraphAlert.Device("dev-2", "ws02")));
            Assert.Equal(new[] { b }, summary.MergedIncidentIds);
        }

        [Fact]
        public void Incidents_with_different_classifications_are_not_merged()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("x1", Min(0), GraphAlert.User("gina@contoso.com")),
                     GraphAlert.Make("x2", Min(5), GraphAlert.Device("dev-2", "ws02.contoso.local")));
            long a = s.IncidentOf("x1"), b = s.IncidentOf("x2");
            var editor = new IncidentEditor(s.Store);
            editor.Apply(a, new IncidentChange { Classification = Classification.TruePositive, Actor = "lead" });
            editor.Apply(b, new IncidentChange { Classification = Classification.FalsePositive, Actor = "lead" });
            var summary = s.Import(GraphAlert.Make("x3", Min(20), GraphAlert.User("gina@contoso.com"), GraphAlert.Device("dev-2", "ws02")));
            Assert.Empty(summary.MergedIncidentIds);
            Assert.Equal(1, s.Count("SELECT count(*) FROM correlation_refusals WHERE alert_id = $x AND reason LIKE '%classifications differ%'", ("$x", GraphAlert.AlertId("x3"))));
        }

        static JObject[] Story()
        {
            var D1 = GraphAlert.Device("dev-1", "ws01.contoso.local");
            return new[]
            {
                GraphAlert.Make("s01", Min(0), GraphAlert.User("alice@contoso.com")),
                GraphAlert.Make("s02", Hours(1), D1),
                GraphAlert.Make("s03", Hours(2), GraphAlert.Ip("203.0.113.5")),
                GraphAlert.Make("s04", Hours(3), GraphAlert.User("Alice@Contoso.com"), GraphAlert.Device("DEV-1", "ws01")),      // merges s01's and s02's
                GraphAlert.Make("s05", Hours(4), GraphAlert.Url("http://x.example/p")),
                GraphAlert.Make("s06", Hours(5), GraphAlert.Mailbox("mia@contoso.com")),
                GraphAlert.Make("s07", Hours(5) + Min(1), GraphAlert.Mailbox("MIA@contoso.com"), GraphAlert.Url("hxxp://x[.]example/p")), // merges s05's and s06's
                GraphAlert.Make("s08", Hours(20), GraphAlert.Ip("203.0.113.5")),
                GraphAlert.Make("s09", Hours(50), GraphAlert.User("alice@contoso.com")),                                      // out of the window
                GraphAlert.Make("s10", Hours(50), GraphAlert.Ip("127.0.0.1")),                                                // same time, noise only
                GraphAlert.Make("s11", Hours(50), GraphAlert.Ip("127.0.0.1"), GraphAlert.User("alice@contoso.com")),          // same time as s09, tie on id
                GraphAlert.Make("s12", Hours(51), GraphAlert.Url("http://x.example/P")),                                      // path case differs
            };
        }

        [Fact]
        public void Correlation_is_the_same_whatever_the_order_inside_one_import_and_one_by_one()
        {
            var alerts = Story();

            using var inOrder = new TestStore();
            inOrder.Import(alerts);
            var expected = inOrder.Assignment();
            Assert.Equal(alerts.Length, expected.Count);
            // The story itself: what the merges and the window must give.
            Assert.Equal(expected["s01"], expected["s02"]);
            Assert.Equal(expected["s01"], expected["s04"]);
            Assert.Equal(expected["s05"], expected["s07"]);
            Assert.Equal(expected["s06"], expected["s07"]);
            Assert.Equal(expected["s03"], expected["s08"]);
            Assert.Equal(expected["s09"], expected["s11"]);
            Assert.NotEqual(expected["s01"], expected["s09"]);
            Assert.NotEqual(expected["s10"], expected["s11"]);
            Assert.NotEqual(expected["s05"], expected["s12"]);
            Assert.Equal(6, inOrder.LiveIncidents().Count);

            foreach (int seed in new[] { 1, 2, 3 })
            {
                var rng = new Random(seed);
                using var shuffled = new TestStore();
                shuffled.Import(alerts.OrderBy(_ => rng.Next()).ToArray());
                Assert.Equal(expected, shuffled.Assignment());
            }

            using var reversed = new TestStore();
            reversed.Import(alerts.Reverse().ToArray());
            Assert.Equal(expected, reversed.Assignment());

            using var oneByOne = new TestStore();
            foreach (var a in alerts.OrderBy(a => (string)a["firstActivityDateTime"]!, StringComparer.Ordinal).ThenBy(a => (string)a["id"]!, StringComparer.Ordinal))
                oneByOne.Import(a);
            Assert.Equal(expected, oneByOne.Assignment());

            // The same incidents, not only the same ids: statuses and redirects agree too.
            Assert.Equal(Describe(inOrder), Describe(oneByOne));
            Assert.Equal(Describe(inOrder), Describe(reversed));
        }

        static List<string> Describe(TestStore s)
            => s.Reader.Incidents(new IncidentFilter { SortBy = IncidentSortBy.Id, Ascending = true })
                .Select(i => $"{i.Id} {i.Status} {i.RedirectIncidentId} {i.AlertCount} {i.DisplayName} {i.Severity} {i.FirstActivityDateTime:o} {i.LastActivityDateTime:o}").ToList();

        [Fact]
        public void At_the_alert_cap_further_alerts_start_a_continuation_incident()
        {
            using var s = new TestStore(new CorrelationPolicy { MaxAlertsPerIncident = 2 });
            s.Import(GraphAlert.Make("c1", Min(0), GraphAlert.User("hank@contoso.com")),
                     GraphAlert.Make("c2", Min(5), GraphAlert.User("hank@contoso.com")),
                     GraphAlert.Make("c3", Min(10), GraphAlert.User("hank@contoso.com")));
            long first = s.IncidentOf("c1");
            Assert.Equal(first, s.IncidentOf("c2"));
            long continuation = s.IncidentOf("c3");
            Assert.NotEqual(first, continuation);
            Assert.Equal(2, s.Incident(first).AlertCount);
            Assert.Equal(1, s.Incident(continuation).AlertCount);
            Assert.Equal(3, s.Reader.Alerts(null, null).Count(a => a.IncidentId != null)); // none dropped
            Assert.Contains(s.Reader.History(continuation), h => h.Action == "ContinuesIncident" && h.NewValue == first.ToString());
            Assert.Equal(1, s.Count("SELECT count(*) FROM correlation_refusals WHERE incident_id = $i AND alert_id = $a AND reason LIKE '%cap%'",
                ("$i", first), ("$a", GraphAlert.AlertId("c3"))));
        }

        [Fact]
        public void A_merge_that_would_exceed_the_cap_is_refused()
        {
            using var s = new TestStore(new CorrelationPolicy { MaxAlertsPerIncident = 2 });
            s.Import(GraphAlert.Make("x1", Min(0), GraphAlert.User("gina@contoso.com")),
                     GraphAlert.Make("x2", Min(5), GraphAlert.Device("dev-2", "ws02.contoso.local")));
            var summary = s.Import(GraphAlert.Make("x3", Min(20), GraphAlert.User("gina@contoso.com"), GraphAlert.Device("dev-2", "ws02")));
            Assert.Empty(summary.MergedIncidentIds);
            Assert.Equal(2, s.LiveIncidents().Count);
            Assert.Equal(1, s.Count("SELECT count(*) FROM correlation_refusals WHERE alert_id = $x AND reason LIKE '%over the cap%'", ("$x", GraphAlert.AlertId("x3"))));
        }

        [Fact]
        public void An_entity_common_weeks_ago_links_alerts_again_when_it_is_rare_in_the_window()
        {
            var policy = new CorrelationPolicy { PrevalenceMinimumAlerts = 5, PrevalenceThreshold = 0.1 };
            using var s = new TestStore(policy);
            // A scanner address on every alert of a busy day: once the window holds the minimum of 5 alerts, it is
            // too common to link anything that day.
            s.Import(Enumerable.Range(0, 30).Select(i => GraphAlert.Make("busy" + i, Min(i * 10), GraphAlert.Ip("198.51.100.99"), GraphAlert.User($"u{i}@contoso.com"))).ToArray());
            var busy = Enumerable.Range(4, 26).Select(i => s.IncidentOf("busy" + i)).ToList();
            Assert.Equal(26, busy.Distinct().Count());
            Assert.DoesNotContain(s.IncidentOf("busy0"), busy);
            // Three weeks later the same address on two alerts of a quiet day links them.
            s.Import(GraphAlert.Make("late1", TimeSpan.FromDays(21), GraphAlert.Ip("198.51.100.99")),
                     GraphAlert.Make("late2", TimeSpan.FromDays(21) + Min(30), GraphAlert.Ip("198.51.100.99")));
            Assert.Equal(s.IncidentOf("late1"), s.IncidentOf("late2"));
        }

        [Fact]
        public void A_burst_on_one_attacked_host_stays_one_incident_although_its_host_and_account_become_common()
        {
            var policy = new CorrelationPolicy { PrevalenceMinimumAlerts = 5, PrevalenceThreshold = 0.1 };
            using var s = new TestStore(policy);
            // Twenty alerts in an hour on one host under one account, each with its own tool: host and account
            // each become too common alone, but shared together they still link.
            s.Import(Enumerable.Range(0, 20).Select(i => GraphAlert.Make("burst" + i, Min(i * 3),
                GraphAlert.Device("d-100", "victim01.contoso.local"), GraphAlert.User("eve@contoso.com"), GraphAlert.Url($"http://tool{i}.example/x"))).ToArray());
            Assert.Single(Enumerable.Range(0, 20).Select(i => s.IncidentOf("burst" + i)).Distinct());
            Assert.Contains(new CorrelationExplainer(s.Store).Explain(s.IncidentOf("burst0")), l => l.Rule == "SharedEntities:User+Device");

            // With common entities ignored altogether, the same burst splits once the window holds the minimum.
            var strict = new CorrelationPolicy { PrevalenceMinimumAlerts = 5, PrevalenceThreshold = 0.1, PrevalentLinkStrength = 0 };
            using var t = new TestStore(strict);
            t.Import(Enumerable.Range(0, 20).Select(i => GraphAlert.Make("burst" + i, Min(i * 3),
                GraphAlert.Device("d-100", "victim01.contoso.local"), GraphAlert.User("eve@contoso.com"), GraphAlert.Url($"http://tool{i}.example/x"))).ToArray());
            Assert.True(Enumerable.Range(0, 20).Select(i => t.IncidentOf("burst" + i)).Distinct().Count() > 10);
        }

        [Fact]
        public void A_link_is_explained_by_the_entity_that_links_on_its_own_before_common_ones()
        {
            // With 10 alerts in the window, more than 3 is common: the host and ops@ are, zed.intruder@ (on 2) is not.
            var policy = new CorrelationPolicy { PrevalenceMinimumAlerts = 5, PrevalenceThreshold = 0.3 };
            using var s = new TestStore(policy);
            var burst = Enumerable.Range(0, 10).Select(i => GraphAlert.Make("c" + i, Min(i * 3),
                GraphAlert.Device("d-200", "victim02.contoso.local"), GraphAlert.User("ops@contoso.com"))).ToList();
            // The last alert also shares a rare account with the one before it.
            burst[8]["evidence"]!.Value<Newtonsoft.Json.Linq.JArray>()!.Add(GraphAlert.User("zed.intruder@contoso.com"));
            burst[9]["evidence"]!.Value<Newtonsoft.Json.Linq.JArray>()!.Add(GraphAlert.User("zed.intruder@contoso.com"));
            s.Import(burst.ToArray());
            var link = Assert.Single(new CorrelationExplainer(s.Store).Explain(s.IncidentOf("c9")), l => l.AlertId == GraphAlert.AlertId("c9"));
            Assert.Equal(("SharedEntity:User", "zed.intruder@contoso.com"), (link.Rule, link.EntityKey));
        }

        [Fact]
        public void A_system_file_path_links_alerts_only_together_with_another_shared_entity()
        {
            using var s = new TestStore();
            // Every Windows machine has cmd.exe in system32: on two hosts it links nothing.
            s.Import(GraphAlert.Make("f1", Min(0), GraphAlert.Device("d-1", "a.contoso.local"), GraphAlert.FileAt(@"C:\Windows\System32", "cmd.exe")),
                     GraphAlert.Make("f2", Min(5), GraphAlert.Device("d-2", "b.contoso.local"), GraphAlert.FileAt(@"c:\windows\system32", "CMD.EXE")),
                     // A dropped file outside the Windows folder links on its own.
                     GraphAlert.Make("f3", Min(10), GraphAlert.Device("d-3", "c.contoso.local"), GraphAlert.FileAt(@"C:\Users\Public", "evil.exe")),
                     GraphAlert.Make("f4", Min(15), GraphAlert.Device("d-4", "d.contoso.local"), GraphAlert.FileAt(@"c:\users\public", "EVIL.exe")));
            Assert.NotEqual(s.IncidentOf("f1"), s.IncidentOf("f2"));
            Assert.Equal(s.IncidentOf("f3"), s.IncidentOf("f4"));
        }

        [Fact]
        public void Two_common_files_on_different_hosts_do_not_link_but_a_host_with_one_does()
        {
            using var s = new TestStore();
            // wmic.exe run from cmd.exe on two machines: every Windows machine has both.
            s.Import(GraphAlert.Make("g1", Min(0), GraphAlert.Device("d-1", "a.contoso.local"), GraphAlert.FileAt(@"C:\Windows\System32", "cmd.exe"), GraphAlert.FileAt(@"C:\Windows\System32\wbem", "wmic.exe")),
                     GraphAlert.Make("g2", Min(5), GraphAlert.Device("d-2", "b.contoso.local"), GraphAlert.FileAt(@"C:\Windows\System32", "cmd.exe"), GraphAlert.FileAt(@"C:\Windows\System32\wbem", "wmic.exe")));
            Assert.NotEqual(s.IncidentOf("g1"), s.IncidentOf("g2"));
        }

        [Fact]
        public void Prevalence_gives_the_same_incidents_at_once_and_one_by_one()
        {
            var policy = new CorrelationPolicy { PrevalenceMinimumAlerts = 5, PrevalenceThreshold = 0.5 };
            var alerts = Enumerable.Range(0, 8).Select(i => GraphAlert.Make("p" + i, Min(i * 3), GraphAlert.Ip("198.51.100.80"),
                GraphAlert.User($"user{i}@contoso.com"))).ToArray();
            using var atOnce = new TestStore(policy);
            atOnce.Import(alerts);
            using var oneByOne = new TestStore(policy);
            foreach (var a in alerts) oneByOne.Import(a);
            Assert.Equal(atOnce.Assignment(), oneByOne.Assignment());
        }

        [Fact]
        public void Prevalence_gives_the_same_incidents_whatever_the_correlation_batches()
        {
            // Prevalence loads the times it counts for one correlation batch at a time: batches of 4 alerts must
            // decide as one batch of all of them. The IP turns common part way through the burst.
            var policy = new CorrelationPolicy { PrevalenceMinimumAlerts = 5, PrevalenceThreshold = 0.5 };
            var alerts = Enumerable.Range(0, 14).Select(i => GraphAlert.Make("q" + i, Min(i * 7), GraphAlert.Ip("198.51.100.81"),
                GraphAlert.User($"user{i % 5}@contoso.com"))).ToArray();
            // The first alert ran for two days: the entity's times are read by their start, whatever their end.
            alerts[0]["lastActivityDateTime"] = (GraphAlert.T0 + TimeSpan.FromDays(2)).ToString("o");
            using var atOnce = new TestStore(policy);
            atOnce.Import(alerts);
            using var inBatches = new TestStore(policy);
            inBatches.Import(alerts);
            inBatches.Store.Execute("UPDATE alerts SET needs_correlation = 1, incident_id = NULL; DELETE FROM incidents; DELETE FROM correlation_links; DELETE FROM history;");
            new Correlator(inBatches.Store, policy, DateTimeOffset.UtcNow).CorrelatePending(batchSize: 4);

            static string Partition(TestStore t) => string.Join(" | ", t.Assignment().GroupBy(x => x.Value).Select(g => string.Join(",", g.Select(x => x.Key))).OrderBy(x => x, StringComparer.Ordinal));
            Assert.Equal(Partition(atOnce), Partition(inBatches));
            // From the fifth alert on the IP is common and links only with an anchor: q4, the first alert of user4,
            // starts an incident of its own, which q9 (user4 again) joins.
            Assert.Equal("q0,q1,q10,q11,q12,q13,q2,q3,q5,q6,q7,q8 | q4,q9", Partition(atOnce));
        }

        [Fact]
        public void A_user_seen_by_upn_and_by_sid_on_one_alert_is_one_user_across_alerts()
        {
            using var s = new TestStore();
            const string sid = "S-1-5-21-1004336348-1177238915-682003330-1104";
            s.Import(GraphAlert.Make("u1", Min(0), GraphAlert.User("alice@contoso.com", "alice", "CONTOSO", sid)),
                     GraphAlert.Make("u2", Min(10), GraphAlert.User(null, "alice", "CONTOSO", sid)),
                     GraphAlert.Make("u3", Min(20), GraphAlert.User(null, "alice", "CONTOSO")));
            Assert.Equal(s.IncidentOf("u1"), s.IncidentOf("u2"));
            Assert.Equal(s.IncidentOf("u1"), s.IncidentOf("u3"));
        }

        [Fact]
        public void A_device_seen_by_id_and_dns_name_on_one_alert_is_one_device_across_alerts()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("w1", Min(0), GraphAlert.Device("a1b2c3d4", "ws01.contoso.local")),
                     GraphAlert.Make("w2", Min(10), GraphAlert.Device(null, "WS01.contoso.local")));
            Assert.Equal(s.IncidentOf("w1"), s.IncidentOf("w2"));
        }

        [Fact]
        public void A_device_seen_as_short_name_and_fqdn_with_one_device_id_is_one_device()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("h1", Min(0), GraphAlert.Device("d-77", null, "ws01")),
                     GraphAlert.Make("h2", Min(10), GraphAlert.Device("D-77", "ws01.contoso.local")),
                     GraphAlert.Make("h3", Min(20), GraphAlert.Device(null, null, "WS01")));
            Assert.Equal(s.IncidentOf("h1"), s.IncidentOf("h2"));
            Assert.Equal(s.IncidentOf("h1"), s.IncidentOf("h3"));
            var device = Assert.Single(s.Reader.Entities(new[] { s.IncidentOf("h1") }, new[] { EntityType.Device }, null));
            Assert.Equal(new[] { "d-77", "ws01", "ws01.contoso.local" }, device.Aliases);
            Assert.Equal(3, device.AlertCount);
        }

        [Fact]
        public void A_later_alert_that_ties_two_users_joins_their_incidents_and_their_entities()
        {
            const string sid = "S-1-5-21-1004336348-1177238915-682003330-1107";
            var alerts = new[]
            {
                GraphAlert.Make("t1", Min(0), GraphAlert.User("bob@contoso.com")),
                GraphAlert.Make("t2", Min(10), GraphAlert.User(null, null, null, sid)),
                GraphAlert.Make("t3", Min(20), GraphAlert.User("Bob@Contoso.com", "bob", "CONTOSO", sid.ToLowerInvariant())),
            };
            using var oneByOne = new TestStore();
            foreach (var a in alerts) oneByOne.Import(a);
            Assert.Equal(oneByOne.IncidentOf("t1"), oneByOne.IncidentOf("t2"));
            Assert.Equal(oneByOne.IncidentOf("t1"), oneByOne.IncidentOf("t3"));
            var user = Assert.Single(oneByOne.Reader.Entities(new[] { oneByOne.IncidentOf("t1") }, new[] { EntityType.User }, null));
            Assert.Equal(new[] { "S-1-5-21-1004336348-1177238915-682003330-1107", "bob@contoso.com", "contoso\\bob" }, user.Aliases);
            Assert.Equal(1, oneByOne.Incident(oneByOne.IncidentOf("t1")).UserCount);
            // The entity is found by any of its names.
            Assert.Single(oneByOne.Reader.Incidents(new IncidentFilter { Entities = new[] { "CONTOSO\\Bob" } }));

            using var atOnce = new TestStore();
            atOnce.Import(alerts);
            Assert.Equal(atOnce.Assignment().Values.Distinct().Count(), oneByOne.Assignment().Values.Distinct().Count());
        }

        [Fact]
        public void A_tie_made_a_day_later_groups_earlier_alerts_as_an_import_at_once_would()
        {
            const string sid = "S-1-5-21-1004336348-1177238915-682003330-1201";
            var alerts = new[]
            {
                GraphAlert.Make("d1", Min(0), GraphAlert.User("cy@contoso.com")),
                GraphAlert.Make("d2", Min(60), GraphAlert.User(null, null, null, sid)),
                // Ties the UPN and the SID, but 30 hours later: outside the window of both.
                GraphAlert.Make("d3", Min(30 * 60), GraphAlert.User("cy@contoso.com", null, null, sid)),
            };
            using var atOnce = new TestStore();
            atOnce.Import(alerts);
            Assert.Equal(atOnce.IncidentOf("d1"), atOnce.IncidentOf("d2"));
            Assert.NotEqual(atOnce.IncidentOf("d1"), atOnce.IncidentOf("d3"));

            using var oneByOne = new TestStore();
            foreach (var a in alerts) oneByOne.Import(a);
            Assert.Equal(oneByOne.IncidentOf("d1"), oneByOne.IncidentOf("d2"));
            Assert.NotEqual(oneByOne.IncidentOf("d1"), oneByOne.IncidentOf("d3"));
        }

        [Fact]
        public void An_account_name_without_its_domain_is_not_tied_to_a_domain_account()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("b1", Min(0), GraphAlert.User(null, "admin", "CONTOSO")),
                     GraphAlert.Make("b2", Min(10), GraphAlert.User(null, "admin")));
            Assert.NotEqual(s.IncidentOf("b1"), s.IncidentOf("b2"));
        }

        [Fact]
        public void Severity_is_the_highest_and_categories_follow_the_kill_chain()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("k1", Min(0), GraphAlert.TenantA, "Low", "Execution", GraphAlert.User("ivy@contoso.com")),
                     GraphAlert.Make("k2", Min(5), GraphAlert.TenantA, "High", "InitialAccess", GraphAlert.User("ivy@contoso.com")),
                     GraphAlert.Make("k3", Min(9), GraphAlert.TenantA, "Medium", "Exfiltration", GraphAlert.User("ivy@contoso.com")));
            var incident = s.Incident(s.IncidentOf("k1"));
            Assert.Equal(Severity.High, incident.Severity);
            Assert.Equal(new[] { "InitialAccess", "Execution", "Exfiltration" }, incident.Categories);
            Assert.Equal("Multi-stage incident involving Initial access & Exfiltration involving one user", incident.DisplayName);
        }
    }
}
