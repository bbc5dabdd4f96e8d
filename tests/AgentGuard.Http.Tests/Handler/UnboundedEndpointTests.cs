using System.Net;
using AgentGuard.Http.Tests.TestSupport;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>POSTs that can cost money the guard cannot bound are refused before they are sent, unless allowed by name.</summary>
public sealed class UnboundedEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("images/generations")]
    [InlineData("audio/speech")]
    [InlineData("realtime/sessions")]
    [InlineData("batches")]
    [InlineData("fine_tuning/jobs")]
    [InlineData("vector_stores/vs_68af3c2b/files")]
    public async Task UnboundedEndpoint_IsRefusedClearly_AndNeverSent(string path)
    {
        await using var h = await GuardHarness.StartAsync();

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(new Uri(path, UriKind.Relative), ChatBodies.Json("{}"), Ct));

        Assert.Equal(UnboundedRequestReason.UnboundedEndpoint, refusal.Reason);
        Assert.Contains("AllowedUnboundedEndpoints.Add(", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(path.Replace("vs_68af3c2b", "{id}", StringComparison.Ordinal), refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(1, h.Session.GetSummary().RefusedCalls);
        Assert.Equal(0m, h.Session.GetReserved());
    }

    [Fact]
    public async Task AllowUnboundedRequests_DoesNotOpenUnboundedEndpoints()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AllowUnboundedRequests = true);

        await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(new Uri("images/generations", UriKind.Relative), ChatBodies.Json("{}"), Ct));

        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Theory]
    [InlineData("images", "images/generations")]
    [InlineData("images", "images/edits")]
    [InlineData("audio/speech", "audio/speech")]
    [InlineData("/Vector_Stores/", "vector_stores/vs_68af3c2b/file_batches")]
    public async Task EndpointAllowedByName_IsSentUnreserved_AndLogged(string allowed, string path)
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AllowedUnboundedEndpoints.Add(allowed));

        using var response = await h.Http.PostAsync(new Uri(path, UriKind.Relative), ChatBodies.Json("{}"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, h.Meter.TotalRequests);
        Assert.Equal(0m, h.Session.GetTotalSpent());
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Id.Name == "UnboundedEndpointForwarded");
    }

    [Theory]
    [InlineData("openai:images")]
    [InlineData("OpenAI:/images/")]
    public async Task ANamePrefixedWithItsProvider_IsAllowedOnThatProvider(string allowed)
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AllowedUnboundedEndpoints.Add(allowed));

        using var response = await h.Http.PostAsync(new Uri("images/generations", UriKind.Relative), ChatBodies.Json("{}"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task ANamePrefixedWithAnotherProvider_DoesNotAllowIt_AndTheRefusalNamesThePrefixedName()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AllowedUnboundedEndpoints.Add("azure.ai.openai:images"));

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(new Uri("images/generations", UriKind.Relative), ChatBodies.Json("{}"), Ct));

        Assert.Contains("AllowedUnboundedEndpoints.Add(\"openai:images/generations\")", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task AnAzurePathsEndpoint_IsAllowedByTheAzurePrefix()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AllowedUnboundedEndpoints.Add("azure.ai.openai:images"));

        using var response = await h.Http.PostAsync(
            new Uri(h.Server.Root, "openai/deployments/dall-e-3/images/generations?api-version=2024-10-21"), ChatBodies.Json("{}"), Ct);

        Assert.Equal(1, h.Meter.TotalRequests);
        Assert.Equal(0, h.Session.GetSummary().RefusedCalls);
    }

    [Fact]
    public async Task AllowingAName_DoesNotAllowItsSiblings()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AllowedUnboundedEndpoints.Add("audio/speech"));

        await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(new Uri("audio/transcriptions", UriKind.Relative), ChatBodies.Json("{}"), Ct));

        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Theory]
    [InlineData("GET", "models")]
    [InlineData("GET", "files/file-abc123/content")]
    [InlineData("DELETE", "files/file-abc123")]
    [InlineData("POST", "moderations")]
    [InlineData("POST", "files")]
    public async Task ReadsAndFreeEndpoints_PassUntouched(string method, string path)
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.000001m);

        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (method == "POST")
        {
            request.Content = ChatBodies.Json("{}");
        }

        using var response = await h.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, h.Meter.TotalRequests);
        Assert.Equal(0, h.Session.GetSummary().RefusedCalls);
    }

    [Fact]
    public async Task SynchronousSend_RefusesTheSameWay()
    {
        await using var h = await GuardHarness.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("images/generations", UriKind.Relative)) { Content = ChatBodies.Json("{}") };

        // The synchronous path on a pool thread, as the SDK's synchronous methods take it.
        var refusal = await Task.Run(() => Assert.Throws<UnboundedRequestException>(() => h.Http.Send(request, Ct)), Ct);

        Assert.Equal(UnboundedRequestReason.UnboundedEndpoint, refusal.Reason);
        Assert.Equal(0, h.Meter.TotalRequests);
    }
}
