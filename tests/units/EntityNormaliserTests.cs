using System.Collections.Generic;
using System.Linq;
using IncidentTools.Normalisation;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>The key each entity type is compared by: what makes two spellings of one thing the same entity.</summary>
    public class EntityNormaliserTests
    {
        [Theory]
        [InlineData("Alice@Contoso.com", "alice@contoso.com")]
        [InlineData("  ALICE@CONTOSO.COM ", "alice@contoso.com")]
        public void Upn_compares_case_insensitively(string written, string expected)
        {
            Assert.Equal(expected, EntityNormaliser.User(written, null, null, null, null));
        }

        [Fact]
        public void Upn_wins_over_sid_and_domain_account_name()
        {
            Assert.Equal("alice@contoso.com", EntityNormaliser.User("Alice@Contoso.com", "S-1-5-21-1-2-3-1104", null, "CONTOSO", "alice"));
            Assert.Equal(@"contoso\alice", EntityNormaliser.User(null, null, null, "CONTOSO", "Alice"));
            Assert.Equal(EntityNormaliser.User(null, null, null, "CONTOSO", "alice"), EntityNormaliser.User(null, null, null, null, @"contoso\ALICE"));
            Assert.Equal("S-1-5-21-1-2-3-1104", EntityNormaliser.User(null, "s-1-5-21-1-2-3-1104", null, "CONTOSO", "alice"));
        }

        [Fact]
        public void Mailbox_address_compares_case_insensitively()
        {
            var a = EvidenceFactory.Mailbox("Alice@Contoso.com", null)!;
            var b = EvidenceFactory.Mailbox("alice@CONTOSO.com", null)!;
            Assert.Equal(a.Key, b.Key);
            Assert.Equal("Alice@Contoso.com", a.Name); // shown as written
        }

        [Theory]
        [InlineData("2001:DB8::0:1", "2001:db8::1")]
        [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1")]
        [InlineData("::ffff:10.0.0.1", "10.0.0.1")]
        [InlineData("10.0.0.1", "10.0.0.1")]
        [InlineData(" 10.0.0.1 ", "10.0.0.1")]
        [InlineData("10.0.0.1:443", "10.0.0.1")]
        [InlineData("10[.]0[.]0[.]1", "10.0.0.1")]
        [InlineData("[2001:db8::1]", "2001:db8::1")]
        [InlineData("fe80::1%eth0", "fe80::1")]
        [InlineData("010.000.000.001", "10.0.0.1")]
        public void Ip_addresses_take_their_canonical_form(string written, string expected)
        {
            Assert.Equal(expected, EntityNormaliser.Ip(written));
        }

        [Theory]
        [InlineData("not-an-ip")]
        [InlineData("12345")]
        [InlineData("1")]
        [InlineData("10.1")]
        [InlineData("0x0A000001")]
        [InlineData("256.1.1.1")]
        [InlineData("1.2.3.4.5")]
        [InlineData("N/A")]
        [InlineData("-")]
        [InlineData("")]
        public void Values_that_are_not_addresses_are_no_ip(string written)
        {
            Assert.Null(EntityNormaliser.Ip(written));
        }

        [Fact]
        public void Ipv4_and_its_mapped_ipv6_form_are_one_entity()
        {
            Assert.Equal(EvidenceFactory.Ip("10.0.0.1")!.Key, EvidenceFactory.Ip("::FFFF:10.0.0.1")!.Key);
        }

        [Theory]
        [InlineData("hxxp://evil[.]com/a", "http://evil.com/a")]
        [InlineData("hxxps://evil[.]com/a", "https://evil.com/a")]
        [InlineData("HXXPS://evil(.)com", "https://evil.com")]
        [InlineData("evil[dot]com", "evil.com")]
        [InlineData("user[@]evil[.]com", "user@evil.com")]
        public void Defanged_indicators_take_their_real_form(string defanged, string real)
        {
            Assert.Equal(real, EntityNormaliser.Refang(defanged));
        }

        [Fact]
        public void Defanged_url_and_domain_match_their_real_form()
        {
            Assert.Equal(EntityNormaliser.Url("http://evil.com/login"), EntityNormaliser.Url("hxxp://evil[.]com/login"));
            Assert.Equal(EntityNormaliser.Url("https://evil.com/login"), EntityNormaliser.Url("hxxps://evil[.]com/login"));
            Assert.Equal("evil.com", EntityNormaliser.Domain("evil[.]com"));
            Assert.Equal("evil.com", EntityNormaliser.Domain("EVIL.com."));
        }

        [Fact]
        public void Url_host_and_scheme_are_lower_cased_but_path_and_query_keep_their_case()
        {
            Assert.Equal("http://evil.com/Path/Login.php?Session=AbC", EntityNormaliser.Url("HTTP://Evil.COM/Path/Login.php?Session=AbC"));
            Assert.NotEqual(EntityNormaliser.Url("http://evil.com/login"), EntityNormaliser.Url("http://evil.com/Login"));
            Assert.NotEqual(EntityNormaliser.Url("http://evil.com/a?x=Q"), EntityNormaliser.Url("http://evil.com/a?x=q"));
            Assert.Equal(EntityNormaliser.Url("http://evil.com/a"), EntityNormaliser.Url("http://EVIL.COM/a"));
        }

        [Fact]
        public void Url_without_scheme_and_with_default_port_is_the_same_url()
        {
            Assert.Equal("http://evil.com/a", EntityNormaliser.Url("evil.com/a"));
            Assert.Equal("http://evil.com/a", EntityNormaliser.Url("http://evil.com:80/a"));
            Assert.Equal("http://evil.com:8080/a", EntityNormaliser.Url("http://evil.com:8080/a"));
        }

        [Fact]
        public void Hashes_are_lower_cased_and_non_hashes_refused()
        {
            const string sha256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
            Assert.Equal(sha256.ToLowerInvariant(), EntityNormaliser.Hash(sha256));
            Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", EntityNormaliser.Hash(" D41D8CD98F00B204E9800998ECF8427E "));
            Assert.Null(EntityNormaliser.Hash("not a hash"));
            Assert.Null(EntityNormaliser.Hash("abc"));
        }

        [Fact]
        public void File_is_keyed_by_its_strongest_hash()
        {
            var withSha256 = EvidenceFactory.File("a.exe", @"C:\x", "AA" + new string('b', 62), "C" + new string('d', 39), null)!;
            Assert.Equal("aa" + new string('b', 62), withSha256.Key);
            var withSha1Only = EvidenceFactory.File("a.exe", @"C:\x", null, "C" + new string('d', 39), null)!;
            Assert.Equal("c" + new string('d', 39), withSha1Only.Key);
            var pathOnly = EvidenceFactory.File("A.exe", @"C:\Windows", null, null, null)!;
            Assert.Equal(@"path:c:\windows\a.exe", pathOnly.Key);
        }

        [Theory]
        [InlineData(null, @"HKLM\Software\Microsoft\Windows\CurrentVersion\Run", @"hkey_local_machine\software\microsoft\windows\currentversion\run")]
        [InlineData(null, @"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run", @"hkey_local_machine\software\microsoft\windows\currentversion\run")]
        [InlineData("HKEY_LOCAL_MACHINE", @"SOFTWARE\Microsoft\Windows\CurrentVersion\Run", @"hkey_local_machine\software\microsoft\windows\currentversion\run")]
        [InlineData("HKLM", @"\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\", @"hkey_local_machine\software\microsoft\windows\currentversion\run")]
        [InlineData(null, @"HKCU\Environment", @"hkey_current_user\environment")]
        public void Registry_hive_abbreviations_take_their_full_name(string? hive, string key, string expected)
        {
            Assert.Equal(expected, EntityNormaliser.RegistryKey(hive, key));
        }

        [Fact]
        public void Device_is_its_defender_id_else_its_dns_name()
        {
            Assert.Equal("a1b2c3", EntityNormaliser.Device("A1B2C3", "aad-1", "WS01.contoso.local"));
            Assert.Equal("aad-1", EntityNormaliser.Device(null, "AAD-1", "WS01.contoso.local"));
            Assert.Equal("ws01.contoso.local", EntityNormaliser.Device(null, null, "WS01.Contoso.Local."));
            Assert.Equal(EvidenceFactory.Device("ws01", "A1B2C3", null, "ws01")!.Key,
                         EvidenceFactory.Device("ws01.contoso.local", "a1b2c3", null, "ws01.contoso.local")!.Key);
        }

        [Theory]
        [InlineData("")]
        [InlineData("-")]
        [InlineData("N/A")]
        [InlineData("null")]
        [InlineData("Unknown")]
        [InlineData("(null)")]
        public void Placeholders_are_noise_and_make_no_entity(string value)
        {
            Assert.True(EntityNormaliser.IsPlaceholder(value));
            Assert.True(EntityNormaliser.IsNoise(EntityType.User, value, value));
            Assert.True(EntityNormaliser.IsNoise(EntityType.Device, value, value));
            Assert.Null(EvidenceFactory.User(value, value, null, null, null));
            Assert.Null(EvidenceFactory.Device(value, value, null, value));
            Assert.Null(EvidenceFactory.Ip(value));
            Assert.Null(EvidenceFactory.Url(value));
        }

        [Theory]
        [InlineData("127.0.0.1")]
        [InlineData("127.1.2.3")]
        [InlineData("::1")]
        [InlineData("0.0.0.0")]
        [InlineData("::")]
        [InlineData("255.255.255.255")]
        [InlineData("169.254.10.1")]
        [InlineData("224.0.0.251")]
        [InlineData("fe80::1")]
        public void Loopback_unspecified_and_link_local_addresses_are_noise(string address)
        {
            var key = EntityNormaliser.Ip(address);
            Assert.NotNull(key);
            Assert.True(EntityNormaliser.IsNoise(EntityType.Ip, key!, address), $"{address} should be noise");
        }

        [Theory]
        [InlineData("10.0.0.1")]
        [InlineData("203.0.113.5")]
        [InlineData("2001:db8::1")]
        public void Ordinary_addresses_are_not_noise(string address)
        {
            Assert.False(EntityNormaliser.IsNoise(EntityType.Ip, EntityNormaliser.Ip(address)!, address));
        }

        [Theory]
        [InlineData(null, null, null, "NT AUTHORITY", "SYSTEM")]
        [InlineData(null, null, null, null, @"NT AUTHORITY\SYSTEM")]
        [InlineData(null, "S-1-5-18", null, null, null)]
        [InlineData(null, null, null, "WS01", "LOCAL SERVICE")]
        [InlineData(null, null, null, null, "NETWORK SERVICE")]
        [InlineData(null, "S-1-5-19", null, "NT AUTHORITY", "LOCAL SERVICE")]
        public void System_accounts_are_noise(string? upn, string? sid, string? objectId, string? domain, string? name)
        {
            var ev = EvidenceFactory.User(name, upn, sid, objectId, domain);
            Assert.NotNull(ev);
            Assert.True(EntityNormaliser.IsNoise(EntityType.User, ev!.Key, name), $"{ev.Key} should be noise");
        }

        [Fact]
        public void Real_users_and_domains_are_not_noise_but_single_label_domains_are()
        {
            Assert.False(EntityNormaliser.IsNoise(EntityType.User, "alice@contoso.com", "alice"));
            Assert.False(EntityNormaliser.IsNoise(EntityType.User, @"contoso\alice", "alice"));
            Assert.False(EntityNormaliser.IsNoise(EntityType.Domain, "evil.com", "evil.com"));
            Assert.True(EntityNormaliser.IsNoise(EntityType.Domain, "localhost", "localhost"));
        }

        [Fact]
        public void Deduplicate_keeps_one_entity_per_type_and_key_with_roles_merged()
        {
            var a = EvidenceFactory.Ip("10.0.0.1")!; a.Roles = new[] { "source" };
            var b = EvidenceFactory.Ip("::ffff:10.0.0.1")!; b.Roles = new[] { "destination" };
            var c = EvidenceFactory.Url("http://10.0.0.1/")!;
            var list = EvidenceFactory.Deduplicate(new List<Evidence> { a, b, c });
            Assert.Equal(2, list.Count);
            var ip = Assert.Single(list, e => e.Type == EntityType.Ip);
            Assert.Equal(new[] { "destination", "source" }, ip.Roles.OrderBy(r => r));
        }
    }
}
