namespace Switchboard.MockProvider;

/// <summary>The model-calling endpoints, each served with and without the <c>/v1</c> prefix.</summary>
internal enum MockEndpoint
{
    ChatCompletions,
    Completions,
    Embeddings,
    Messages,
    CountTokens,

    /// <summary>The OpenAI Responses API, for deployments that speak it natively.</summary>
    Responses,
}
