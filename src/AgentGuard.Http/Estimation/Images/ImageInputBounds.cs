using AgentGuard.Http.Pricing;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Estimation;

/// <summary>The input tokens of a request's images under the rule of its model's family.</summary>
internal static class ImageInputBounds
{
    /// <exception cref="UnboundedRequestException">The request has images and the model has no image rule.</exception>
    public static long Tokens(ImageInputs? images, PricedModel model, string requestedModel)
    {
        if (images is null || images.Count == 0)
        {
            return 0;
        }

        if (model.Price.ImageTokens is not { } rule)
        {
            throw new UnboundedRequestException(UnboundedRequestReason.UnsupportedContent,
                $"The request has image inputs, and the price table has no image rule for model '{requestedModel}' (priced as '{model.Family}'), " +
                $"so their tokens cannot be bounded. Add one with AgentGuardOptions.Prices[\"{model.Family}\"].ImageTokens.");
        }

        long tokens = 0;
        foreach (var image in images.Images)
        {
            tokens += ImageTokens.Bound(rule, image.Width, image.Height, image.Detail);
        }

        return tokens;
    }
}
