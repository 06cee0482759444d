namespace Switchboard.Admission;

/// <summary>The cluster's answer for one call of a virtual key.</summary>
/// <param name="Refusal">The limit that refuses the call; null when admitted.</param>
/// <param name="Wait">For a refusal: how long until the limit lets a call through.</param>
/// <param name="Slot">For an admission: the parallel slot taken (0: none, or Redis is away).</param>
/// <param name="Spend">The key's spend across instances in this budget period, when known.</param>
internal readonly record struct SharedKeyVerdict(AdmissionRefusal? Refusal, TimeSpan Wait, long Slot, double? Spend);
