namespace AgentGuard.Http.Tests.Shared;

/// <summary>
/// Skips a test whose server or tool is missing, with its reason where <c>dotnet test</c> prints it at its default
/// verbosity (a diagnostic message: xunit's adapter prints skip reasons only at normal verbosity); or fails it where the
/// environment requires every service (<c>AGENTGUARD_REQUIRE_SERVICES=1</c>, as CI sets).
/// </summary>
internal static class TestSkip
{
    public const string RequireServicesVariable = "AGENTGUARD_REQUIRE_SERVICES";

    /// <summary>Skips (or, where services are required, fails) the current test.</summary>
    /// <param name="reason">What is missing and how to get it, without a final period.</param>
    /// <param name="required">Whether <see cref="RequireServicesVariable"/> turns the skip into a failure.</param>
    public static void Because(string reason, bool required = true)
    {
        if (required && Environment.GetEnvironmentVariable(RequireServicesVariable) == "1")
        {
            Assert.Fail($"{reason}, and {RequireServicesVariable}=1 requires it.");
        }

        TestContext.Current.SendDiagnosticMessage($"Skipped {TestContext.Current.Test?.TestDisplayName}: {reason}.");
        Assert.Skip(reason + ".");
    }
}
