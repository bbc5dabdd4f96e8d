using AgentGuard.Http.Providers.OpenAI;

namespace AgentGuard.Http.Tests.Pricing;

public sealed class ServiceTierNamesTests
{
    [Theory]
    [InlineData(null, ServiceTier.Standard)]
    [InlineData("auto", ServiceTier.Standard)]
    [InlineData(null, ServiceTier.Batch)]
    [InlineData("auto", ServiceTier.Batch)]
    [InlineData(null, ServiceTier.Priority)]
    [InlineData("auto", ServiceTier.Flex)]
    public void ForRequest_AbsentOrAuto_IsTheConfiguredDefault(string? requested, ServiceTier configured)
    {
        Assert.Equal(configured, ServiceTierNames.ForRequest(requested, configured, "gpt-5"));
    }

    [Theory]
    [InlineData("default", ServiceTier.Standard)]
    [InlineData("flex", ServiceTier.Flex)]
    [InlineData("priority", ServiceTier.Priority)]
    public void ForRequest_NamedTier_IsThatTierWhateverTheDefault(string requested, ServiceTier expected)
    {
        Assert.Equal(expected, ServiceTierNames.ForRequest(requested, ServiceTier.Standard, "gpt-5"));
        Assert.Equal(expected, ServiceTierNames.ForRequest(requested, ServiceTier.Batch, "gpt-5"));
    }

    [Theory]
    [InlineData("scale")]
    [InlineData("Priority")]
    [InlineData("batch")]
    [InlineData("")]
    public void ForRequest_UnpricedTierName_ThrowsNamingTheTier(string requested)
    {
        var ex = Assert.Throws<UnknownModelPriceException>(() => ServiceTierNames.ForRequest(requested, ServiceTier.Standard, "gpt-4o"));

        Assert.Equal("gpt-4o", ex.Model);
        Assert.Contains($"service_tier '{requested}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServiceTier.Standard)]
    [InlineData(ServiceTier.Flex)]
    [InlineData(ServiceTier.Priority)]
    public void ForResponse_DefaultOutsideBatch_IsStandard(ServiceTier reserved)
    {
        Assert.Equal(ServiceTier.Standard, ServiceTierNames.ForResponse("default", reserved));
    }

    [Fact]
    public void ForResponse_DefaultUnderBatch_StaysBatch()
    {
        Assert.Equal(ServiceTier.Batch, ServiceTierNames.ForResponse("default", ServiceTier.Batch));
    }

    [Theory]
    [InlineData(ServiceTier.Standard)]
    [InlineData(ServiceTier.Batch)]
    public void ForResponse_FlexOrPriority_IsThatTier(ServiceTier reserved)
    {
        Assert.Equal(ServiceTier.Flex, ServiceTierNames.ForResponse("flex", reserved));
        Assert.Equal(ServiceTier.Priority, ServiceTierNames.ForResponse("priority", reserved));
    }

    [Theory]
    [InlineData(null, ServiceTier.Standard)]
    [InlineData(null, ServiceTier.Priority)]
    [InlineData("scale", ServiceTier.Flex)]
    [InlineData("auto", ServiceTier.Batch)]
    [InlineData("", ServiceTier.Standard)]
    public void ForResponse_AbsentOrUnknown_IsTheReservedTier(string? reported, ServiceTier reserved)
    {
        Assert.Equal(reserved, ServiceTierNames.ForResponse(reported, reserved));
    }
}
