namespace Switchboard.Cli;

/// <summary>A column of a <see cref="TableFormatter"/>: its header and whether its cells (numbers) align right.</summary>
internal readonly record struct TableColumn(string Header, bool AlignRight = false);
