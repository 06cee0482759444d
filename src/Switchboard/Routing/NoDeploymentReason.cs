namespace Switchboard.Routing;

/// <summary>Why <see cref="Router.AcquireAsync"/> gave no deployment.</summary>
internal enum NoDeploymentReason
{
    None,

    /// <summary>Every usable deployment is cooling down (or at its rpm/tpm cap for this minute).</summary>
    AllCoolingDown,

    /// <summary>Every deployment's key is disabled until the config is reloaded.</summary>
    AllDisabled,

    /// <summary>Every deployment that could serve now was already tried in this call: back off, then try again.</summary>
    AllTried,

    /// <summary>Every deployment is at its max_parallel_requests and the wait queue is full.</summary>
    QueueFull,

    /// <summary>The call waited for a free slot for the whole request timeout.</summary>
    QueueTimeout,

    /// <summary>The group has no deployments.</summary>
    Empty,
}
