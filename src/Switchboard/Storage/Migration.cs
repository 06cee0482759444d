namespace Switchboard.Storage;

/// <summary>One schema step; <see cref="Sql"/> may hold several statements separated by semicolons.</summary>
internal sealed record Migration(int Version, string Name, string Sql);
