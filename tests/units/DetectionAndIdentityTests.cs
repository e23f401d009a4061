using System.IO;
using System.Linq;
using IncidentTools.Import;
using Newtonsoft.Json.Linq;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>
    /// A file is recognised before any of its records is reported, and an alert's identity is the provider's:
    /// the same AWS finding from two exports is one alert; unrelated sources sharing an id stay two.
    /// </summary>
    public class DetectionAndIdentityTests
    {
        static string Write(TestStore s, string name, string text)
        {
            var path = Path.Combine(s.Folder, name);
            File.WriteAllText(path, text);
            return path;
        }

        [Fact]
        public void A_markdown_file_that_looks_like_csv_is_one_unknown_format_problem_and_no_row_errors()
        {
            using var s = new TestStore();
            // A README caught by "*": commas make CsvHelper see a header, and the rows have other field counts.
            var path = Write(s, "README.md", "# Samples, provenance and licences\n\nEvery file here, except one, is data.\n- a, b, c, d\n- one, two\n"
                + string.Join("\n", Enumerable.Range(1, 50).Select(i => $"line {i}, with, several, commas, here")) + "\n");
            var summary = s.ImportFile(path);
            var problem = Assert.Single(s.Problems);
            Assert.Equal(ImportProblemKind.UnknownFormat, problem.Kind);
            Assert.Equal(Path.GetFullPath(path), problem.Source);
            Assert.Contains("not in a format IncidentTools reads", problem.Message);
            Assert.Equal(0, summary.Failed);
            Assert.Equal(1, summary.FailedFiles); // a job that checks Failed + FailedFiles sees it
            Assert.Equal(0, summary.Read);
        }

        [Fact]
        public void A_csv_of_unknown_columns_is_one_problem_naming_the_columns_seen()
        {
            using var s = new TestStore();
            var path = Write(s, "inventory.csv", "Hostname,Owner,Site\nws01,alice,Paris\nws02,bob,Lyon\n,,\nbroken,\"row\n");
            s.ImportFile(path);
            var problem = Assert.Single(s.Problems);
            Assert.Equal(ImportProblemKind.UnknownFormat, problem.Kind);
            Assert.Contains("'Hostname', 'Owner', 'Site'", problem.Message);
            Assert.Contains("line 2", problem.Message);
        }

        [Fact]
        public void A_json_array_of_an_unknown_shape_is_one_problem_naming_its_properties()
        {
            using var s = new TestStore();
            var path = Write(s, "package.json", "[{\"name\":\"x\",\"version\":\"1.0\"},{\"name\":\"y\"},[1,2],3]");
            var summary = s.ImportFile(path);
            var problem = Assert.Single(s.Problems);
            Assert.Equal(ImportProblemKind.UnknownFormat, problem.Kind);
            Assert.Contains("'name', 'version'", problem.Message);
            Assert.Equal(0, summary.Failed);
        }

        [Fact]
        public void A_json_file_of_no_objects_at_all_is_one_problem_not_one_per_element()
        {
            using var s = new TestStore();
            var path = Write(s, "strings.json", "[" + string.Join(",", Enumerable.Range(1, 500).Select(i => "\"s" + i + "\"")) + "]");
            var summary = s.ImportFile(path);
            var problem = Assert.Single(s.Problems);
            Assert.Equal(ImportProblemKind.UnknownFormat, problem.Kind);
            Assert.Contains("not an object", problem.Message);
            Assert.Equal(0, summary.Failed);
        }

        [Fact]
        public void Unreadable_records_before_the_first_good_one_are_still_each_reported_once_the_format_is_known()
        {
            using var s = new TestStore();
            var good = GraphAlert.Make("g1", System.TimeSpan.Zero, GraphAlert.User("alice@contoso.com")).ToString(Newtonsoft.Json.Formatting.None);
            var path = Write(s, "alerts.ndjson", "{\"broken\": \n{\"also broken\" 1}\n" + good + "\n");
            var summary = s.ImportFile(path);
            Assert.Equal(2, s.Problems.Count);
            Assert.All(s.Problems, p => Assert.Equal(ImportProblemKind.InvalidAlertRecord, p.Kind));
            Assert.Equal(new long[] { 1, 2 }, s.Problems.Select(p => p.Line));
            Assert.Equal(2, summary.Failed);
            Assert.Equal(1, summary.Created);
        }

        [SkippableFact]
        public void Every_markdown_file_in_the_shared_data_is_one_unknown_format_problem()
        {
            var folder = TestData.SharedData;
            Skip.If(folder == null, "../shared/data is absent: real-data test skipped");
            foreach (var md in Directory.EnumerateFiles(folder!, "*.md", SearchOption.AllDirectories))
            {
                using var s = new TestStore();
                var summary = s.ImportFile(md);
                var problem = Assert.Single(s.Problems);
                Assert.True(problem.Kind == ImportProblemKind.UnknownFormat, $"{md}: {problem}");
                Assert.Equal(0, summary.Failed);
            }
        }

        // ---- identity ----

        const string GuardDutyArn = "arn:aws:guardduty:us-east-2:111111111111:detector/1ac1bfceda6679698215d5d0EXAMPLE/finding/a6c556fcbc9bea427a19f8b787099a0b";

        static JObject Asff(string id, string ip) => JObject.Parse($@"{{
            ""SchemaVersion"": ""2018-10-08"", ""Id"": ""{id}"", ""ProductArn"": ""arn:aws:securityhub:us-east-2::product/aws/guardduty"",
            ""AwsAccountId"": ""111111111111"", ""Title"": ""CloudTrail trail was disabled."", ""Types"": [""TTPs/Defense Evasion/Stealth:IAMUser-CloudTrailLoggingDisabled""],
            ""CreatedAt"": ""2023-09-19T15:05:22.487Z"", ""FirstObservedAt"": ""2023-09-19T14:55:09.000Z"", ""Severity"": {{ ""Label"": ""LOW"" }},
            ""ProductFields"": {{ ""aws/guardduty/service/action/awsApiCallAction/remoteIpDetails/ipAddressV4"": ""{ip}"" }},
            ""Resources"": [ {{ ""Type"": ""AwsIamAccessKey"", ""Id"": ""AWS::IAM::AccessKey:ASIATMJPC7EXAMPLE"" }} ] }}");

        static JObject Ocsf(string uid, string ip) => JObject.Parse($@"{{
            ""class_uid"": 2004, ""cloud"": {{ ""account"": {{ ""uid"": ""111111111111"" }}, ""provider"": ""AWS"" }},
            ""finding_info"": {{ ""uid"": ""{uid}"", ""title"": ""CloudTrail trail was disabled."", ""created_time_dt"": ""2023-09-19T11:05:22.487-04:00"" }},
            ""metadata"": {{ ""product"": {{ ""name"": ""GuardDuty"" }}, ""version"": ""1.1.0"" }}, ""severity_id"": 2,
            ""evidences"": [ {{ ""src_endpoint"": {{ ""ip"": ""{ip}"" }} }} ] }}");

        [Fact]
        public void The_same_aws_finding_as_asff_and_as_ocsf_is_stored_once_and_the_later_import_updates_it()
        {
            using var s = new TestStore();
            var first = s.Import(Asff(GuardDutyArn, "52.94.133.131"));
            Assert.Equal(1, first.Created);
            var second = s.Import(Ocsf(GuardDutyArn, "198.51.100.7"));
            Assert.Equal(0, second.Created);
            Assert.Equal(1, second.Updated);
            var alert = Assert.Single(s.Reader.Alerts(null, null));
            Assert.Equal("aws-guardduty:111111111111:" + GuardDutyArn, alert.Id);
            Assert.Contains(alert.Evidence, e => e.Type == EntityType.Ip && e.Key == "52.94.133.131");
            Assert.Contains(alert.Evidence, e => e.Type == EntityType.Ip && e.Key == "198.51.100.7");
        }

        [Fact]
        public void Two_sources_that_share_an_id_that_is_not_an_aws_arn_stay_two_alerts()
        {
            using var s = new TestStore();
            var summary = s.Import(Asff("finding-42", "52.94.133.131"), Ocsf("finding-42", "52.94.133.131"));
            Assert.Equal(2, summary.Created);
            Assert.Equal(new[] { "asff:111111111111:finding-42", "ocsf:111111111111:finding-42" }, s.Reader.Alerts(null, null).Select(a => a.Id).OrderBy(x => x));
        }

        [SkippableFact]
        public void The_real_guardduty_samples_in_asff_and_ocsf_are_one_alert()
        {
            using var s = new TestStore();
            using (var session = new ImportSession(s.Store, new ImportOptions(), s.Problems.Add))
            {
                session.ImportFile(TestData.Shared("aws-guardduty-asff/ocsf_examples_sechub_guardduty_raw_asff.json"));
                session.ImportFile(TestData.Shared("ocsf-detection-finding/ocsf_examples_sechub_guardduty_detection_finding.json"));
                var summary = session.Complete();
                Assert.Equal(2, summary.Read);
                Assert.Equal(1, summary.Created);
                Assert.Equal(1, summary.Updated);
            }
            Assert.Empty(s.Problems);
            var alert = Assert.Single(s.Reader.Alerts(null, null));
            Assert.StartsWith("aws-guardduty:111111111111:arn:aws:guardduty:us-east-2:111111111111:detector/", alert.Id);
            Assert.Equal(new[] { EntityType.AccessKey, EntityType.Ip, EntityType.User }, alert.Evidence.Select(e => e.Type).Distinct().OrderBy(t => t.ToString()));
        }
    }
}
