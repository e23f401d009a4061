using System.Linq;
using IncidentTools.Readers;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>Bad records become one error each, naming the line and what is wrong; good records around them still read.</summary>
    public class BadRecordTests
    {
        static void OneErrorAt(ReadResult r, long line, string expected, int goodAlerts)
        {
            var e = Assert.Single(r.Errors);
            Assert.Equal(line, e.Location.Line);
            Assert.Contains(expected, e.Message);
            Assert.Equal(goodAlerts, r.Alerts.Count);
        }

        [Theory]
        [InlineData("SuricataEve",
            "{\"timestamp\":\"2025-05-01T12:00:00Z\",\"flow_id\":1,\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\",\"alert\":{\"signature\":\"s\",\"signature_id\":1,\"severity\":1}}")]
        [InlineData("Hayabusa", "{\"Timestamp\":\"2025-06-01 10:00:00.000 +00:00\",\"RuleTitle\":\"r\",\"Level\":\"high\",\"Computer\":\"c\",\"Channel\":\"Sec\",\"EventID\":1}")]
        [InlineData("Wazuh", "{\"timestamp\":\"2025-09-01T03:00:00.000+0000\",\"rule\":{\"level\":5,\"description\":\"d\",\"id\":\"1\"},\"agent\":{\"name\":\"a\"},\"id\":\"1.1\"}")]
        [InlineData("ElasticSecurity", "{\"@timestamp\":\"2025-08-01T07:00:05Z\",\"kibana.alert.uuid\":\"u1\",\"kibana.alert.rule.name\":\"r\",\"kibana.alert.severity\":\"low\"}")]
        [InlineData("SentinelSecurityAlert", "{\"SystemAlertId\":\"s1\",\"AlertName\":\"n\",\"ProviderName\":\"p\",\"TimeGenerated\":\"2025-01-01T00:00:00Z\",\"Entities\":\"[]\"}")]
        public void BrokenJsonLine_IsOneErrorAndTheNextLineIsRead(string format, string good)
        {
            var r = ReaderHarness.ReadText(good + "\n{\"this is\": broken\n" + good.Replace("\"1.1\"", "\"1.2\"").Replace("u1", "u2").Replace("s1", "s2") + "\n", ".jsonl");
            Assert.Equal(format, r.Format);
            OneErrorAt(r, 2, "broken JSON", 2);
        }

        [Fact]
        public void MissingRequiredFields_NameTheField()
        {
            Assert.Contains("'SystemAlertId'", Assert.Single(ReaderHarness.ReadJson(new SentinelAlertReader(),
                "{\"AlertName\":\"n\",\"TimeGenerated\":\"2025-01-01T00:00:00Z\"}").Errors).Message);
            Assert.Contains("alert.signature", Assert.Single(ReaderHarness.ReadJson(new SuricataReader(),
                "{\"timestamp\":\"2025-05-01T12:00:00Z\",\"event_type\":\"alert\",\"alert\":{\"severity\":1}}").Errors).Message);
            Assert.Contains("'RuleTitle'", Assert.Single(ReaderHarness.ReadJson(new HayabusaReader(),
                "{\"Timestamp\":\"2025-06-01 10:00:00\",\"Computer\":\"c\"}").Errors).Message);
            Assert.Contains("'Title'", Assert.Single(ReaderHarness.ReadJson(new AsffReader(),
                "{\"Id\":\"f1\",\"SchemaVersion\":\"2018-10-08\",\"ProductArn\":\"p\",\"CreatedAt\":\"2025-01-01T00:00:00Z\"}").Errors).Message);
            Assert.Contains("finding_info.title", Assert.Single(ReaderHarness.ReadJson(new OcsfReader(),
                "{\"class_uid\":2004,\"time\":1700000000}").Errors).Message);
            Assert.Contains("rule.description", Assert.Single(ReaderHarness.ReadJson(new WazuhReader(),
                "{\"timestamp\":\"2025-09-01T03:00:00Z\",\"rule\":{\"level\":3},\"agent\":{}}").Errors).Message);
            Assert.Contains("'AlertId'", Assert.Single(ReaderHarness.ReadJson(new AdvancedHuntingReader(),
                "{\"category\":\"AdvancedHunting-AlertInfo\",\"properties\":{\"Title\":\"t\",\"Timestamp\":\"2025-01-01T00:00:00Z\"}}").Errors).Message);
            Assert.Contains("kibana.alert.rule.name", Assert.Single(ReaderHarness.ReadJson(new ElasticAlertReader(),
                "{\"kibana.alert.uuid\":\"x\",\"@timestamp\":\"2025-01-01T00:00:00Z\"}").Errors).Message);
            Assert.Contains("has no time", Assert.Single(ReaderHarness.ReadJson(new OcsfReader(),
                "{\"class_uid\":2004,\"finding_info\":{\"title\":\"t\",\"uid\":\"u\"}}").Errors).Message);
        }

        [Fact]
        public void ImpossibleDatesAndWrongTypes_AreErrors()
        {
            Assert.Contains("not a date", Assert.Single(ReaderHarness.ReadJson(new SentinelAlertReader(),
                "{\"SystemAlertId\":\"s\",\"AlertName\":\"n\",\"StartTime\":\"2025-13-45T99:00:00Z\"}").Errors).Message);
            Assert.Contains("not a date", Assert.Single(ReaderHarness.ReadJson(new WazuhReader(),
                "{\"timestamp\":\"yesterday\",\"rule\":{\"level\":3,\"description\":\"d\"},\"agent\":{}}").Errors).Message);
            Assert.Contains("not a Wazuh level", Assert.Single(ReaderHarness.ReadJson(new WazuhReader(),
                "{\"timestamp\":\"2025-09-01T03:00:00Z\",\"rule\":{\"level\":\"severe\",\"description\":\"d\"},\"agent\":{}}").Errors).Message);
            Assert.Contains("not a number", Assert.Single(ReaderHarness.ReadJson(new SuricataReader(),
                "{\"timestamp\":\"2025-05-01T12:00:00Z\",\"event_type\":\"alert\",\"alert\":{\"signature\":\"s\",\"severity\":\"high\"}}").Errors).Message);
            Assert.Contains("class_uid", Assert.Single(ReaderHarness.ReadJson(new OcsfReader(),
                "{\"class_uid\":{\"x\":1},\"finding_info\":{\"title\":\"t\"},\"time\":1}").Errors).Message);
            Assert.Contains("Entities", Assert.Single(ReaderHarness.ReadJson(new SentinelAlertReader(),
                "{\"SystemAlertId\":\"s\",\"AlertName\":\"n\",\"TimeGenerated\":\"2025-01-01T00:00:00Z\",\"Entities\":\"[{broken\"}").Errors).Message);
            Assert.Contains("out of the range", Assert.Single(ReaderHarness.ReadJson(new OcsfReader(),
                "{\"class_uid\":2004,\"finding_info\":{\"title\":\"t\"},\"time\":1e30}").Errors).Message);
        }

        [Fact]
        public void CsvRows_BadDateAndMissingTitle_GoodRowsStillRead()
        {
            string csv = "timestamp,detections,path,count,Event.System.Provider,Event ID,Record ID,Computer,Event Data\n"
                + "2025-07-01T08:00:00+00:00,Rule A,x.evtx,1,P,1,1,HOST,\n"
                + "2025-02-30T08:00:00+00:00,Rule B,x.evtx,1,P,1,2,HOST,\n"
                + "2025-07-01T08:02:00+00:00,,x.evtx,1,P,1,3,HOST,\n"
                + "2025-07-01T08:03:00+00:00,Rule D,x.evtx,1,P,1,4,HOST,\n";
            var r = ReaderHarness.ReadText(csv, ".csv");
            Assert.Equal("Chainsaw", r.Format);
            Assert.Equal(2, r.Alerts.Count);
            Assert.Equal(2, r.Errors.Count);
            Assert.Equal(3, r.Errors[0].Location.Line);
            Assert.Contains("not a date", r.Errors[0].Message);
            Assert.Equal(4, r.Errors[1].Location.Line);
            Assert.Contains("'detections'", r.Errors[1].Message);
        }

        [Fact]
        public void GuideRow_BadTimestamp()
        {
            var header = System.IO.File.ReadLines(TestData.Fixture("guide/guide_fixture.csv")).First();
            var row = System.IO.File.ReadLines(TestData.Fixture("guide/guide_fixture.csv")).Skip(1).First();
            var bad = row.Replace("2024-06-01T10:00:00.000Z", "2024-06-31T10:00:00.000Z").Replace("900,5,40,100", "905,5,40,101");
            var r = ReaderHarness.ReadText(header + "\n" + row + "\n" + bad + "\n", ".csv");
            Assert.Single(r.Alerts);
            Assert.Contains("not a date", Assert.Single(r.Errors).Message);
        }
    
        [Fact]
        public void A_Graph_tenant_id_that_is_an_array_or_object_is_a_wrong_type_not_part_of_the_alert_identity()
        {
            const string good = "{\"@odata.type\":\"#microsoft.graph.security.alert\",\"id\":\"g1\",\"title\":\"t\",\"severity\":\"high\",\"tenantId\":\"TENANT\",\"createdDateTime\":\"2026-01-01T00:00:00Z\",\"firstActivityDateTime\":\"2026-01-01T00:00:00Z\",\"lastActivityDateTime\":\"2026-01-01T00:00:00Z\",\"evidence\":[]}";
            var r = ReaderHarness.ReadText(good + "\n" + good.Replace("\"TENANT\"", "[1,2]").Replace("g1", "g2") + "\n" + good.Replace("\"TENANT\"", "{\"a\":1}").Replace("g1", "g3") + "\n", ".jsonl");
            Assert.Single(r.Alerts);
            Assert.Equal(2, r.Errors.Count);
            Assert.All(r.Errors, e => Assert.Contains("tenantId", e.Message));
        }
    }
}
