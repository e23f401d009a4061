namespace IncidentTools
{
    // Values follow the Microsoft Graph security API enums (PascalCase), so Defender users feel at home.

    /// <summary>Severity of an alert or incident. Unknown is only used for alerts whose source gave none.</summary>
    public enum Severity { Unknown = 0, Informational = 1, Low = 2, Medium = 3, High = 4 }

    public enum IncidentStatus { Active = 0, InProgress = 1, Resolved = 2, Redirected = 3 }

    public enum AlertStatus { Unknown = 0, New = 1, InProgress = 2, Resolved = 3 }

    public enum Classification { Unknown = 0, TruePositive = 1, InformationalExpectedActivity = 2, FalsePositive = 3 }

    public enum Determination
    {
        Unknown = 0, MultiStagedAttack, MaliciousUserActivity, CompromisedAccount, Malware, Phishing, UnwantedSoftware,
        SecurityTesting, LineOfBusinessApplication, ConfirmedActivity, NotMalicious, NotEnoughDataToValidate, Other
    }

    public enum EntityType
    {
        User, Device, Mailbox, Ip, File, Process, Url, Domain, CloudApplication, CloudResource, RegistryKey, RegistryValue,
        MailMessage, MailCluster, SecurityGroup, OAuthApplication, AccessKey, Malware, Other
    }
}
