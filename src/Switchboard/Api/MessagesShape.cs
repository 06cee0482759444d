namespace Switchboard.Api;

/// <summary>
/// What the routing skim saw of a request's <c>messages</c>, checked before any upstream call so that a request
/// OpenAI or Anthropic would refuse never spends a key's quota (docs/hostile-input.md). The first problem wins.
/// </summary>
internal enum MessagesShape : byte
{
    /// <summary>No <c>messages</c> field (legacy completions and embeddings have none).</summary>
    Absent,

    /// <summary>A non-empty array of objects, each with a known string role and a string, array or null content.</summary>
    Valid,

    NotArray,
    Empty,
    NotObject,
    RoleMissing,
    RoleNotString,

    /// <summary>A string role outside OpenAI's set (system, developer, user, assistant, tool, function); Anthropic checks its own.</summary>
    RoleUnknown,

    /// <summary>A content that is neither a string, an array nor null.</summary>
    ContentWrongType,
}
