namespace Switchboard.Routing;

/// <summary>What <see cref="Router.Enable"/> did.</summary>
internal enum EnableResult
{
    /// <summary>No deployment has that id.</summary>
    NotFound,

    /// <summary>It was disabled and takes calls again.</summary>
    Enabled,

    /// <summary>It was not disabled; nothing changed.</summary>
    WasEnabled,
}
