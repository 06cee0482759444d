namespace Switchboard.Config;

/// <summary>
/// Watches the config file and calls back once a burst of changes has settled (editors write a temporary file and
/// rename it, or write in several steps): <see cref="Debounce"/> after the last event. The callback loads and validates
/// the file itself; the watcher only says "it may have changed".
/// </summary>
internal sealed class ConfigWatcher : IDisposable
{
    /// <summary>Quiet time after the last file event before the reload.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private readonly FileSystemWatcher _watcher;
    private readonly ITimer _timer;

    public ConfigWatcher(string path, TimeProvider time, Action changed)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(changed);
        var full = Path.GetFullPath(path);
        _timer = time.CreateTimer(_ => changed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += OnEvent;
        _watcher.Created += OnEvent;
        _watcher.Renamed += OnEvent;
        _watcher.EnableRaisingEvents = true;
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _timer.Dispose();
    }

    private void OnEvent(object sender, FileSystemEventArgs e) => _timer.Change(Debounce, Timeout.InfiniteTimeSpan);
}
